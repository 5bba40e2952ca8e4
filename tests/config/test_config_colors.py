"""`colors` (issue 21): set in the file, the environment or by `--colors`, checked like every
setting, and the same three values the UI knows."""

from __future__ import annotations

import typing

import pytest

from monitor.cli import build_parser
from monitor.config import ConfigError, Settings, load_settings, overrides_from_args
from monitor.ui.colors import COLOR_CHOICES
from tests.config.conftest import Workspace, no_keyring


def test_the_setting_takes_the_values_the_ui_knows() -> None:
    annotation = Settings.model_fields["colors"].annotation
    assert typing.get_args(annotation) == COLOR_CHOICES
    assert Settings.model_fields["colors"].default == "auto"


def test_file_then_environment_then_flag(ws: Workspace) -> None:
    ws.write_config('colors = "256"\n')
    s = load_settings(environ=ws.env, keyring=no_keyring)
    assert s.colors == "256" and s.origins["colors"].endswith("config.toml:1")
    s = load_settings(environ={**ws.env, "DIALNEXA_COLORS": "truecolor"}, keyring=no_keyring)
    assert s.colors == "truecolor" and s.origins["colors"] == "env DIALNEXA_COLORS"
    args = build_parser().parse_args(["--colors", "auto"])
    s = load_settings(
        overrides=overrides_from_args(args),
        environ={**ws.env, "DIALNEXA_COLORS": "truecolor"},
        keyring=no_keyring,
    )
    assert s.colors == "auto" and s.origins["colors"] == "flag --colors"


def test_no_flag_leaves_the_lower_layers_alone() -> None:
    assert "colors" not in overrides_from_args(build_parser().parse_args([]))


def test_a_wrong_value_is_one_plain_sentence(ws: Workspace) -> None:
    ws.write_config('colors = "16"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(environ=ws.env, keyring=no_keyring)
    msg = str(info.value)
    assert "colors from the config file" in msg and "'256'" in msg and "'truecolor'" in msg


def test_the_flag_refuses_other_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["--colors", "16"])
    assert info.value.code == 2
    assert "invalid choice: '16'" in capsys.readouterr().err
