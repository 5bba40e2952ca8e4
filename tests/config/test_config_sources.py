"""The layers as pydantic-settings sources: each one overrides the one below, key by key."""

from __future__ import annotations

import pytest

from monitor.config import ConfigError, Settings, load_settings
from monitor.config.file import read_config_file
from monitor.config.profiles import ProfileSource
from monitor.config.secrets import KeyringResult
from monitor.config.sources import EnvironmentSource, FileTableSource, FlagLayer
from tests.config.conftest import Workspace, no_keyring

LADDER = """
theme = "file-top"
request_budget_per_min = 11

[poll]
active_calls_s = 2
retries_s = 2
analysis_s = 2
batch_list_s = 2

[profiles.eu]
theme = "profile"

[profiles.eu.poll]
retries_s = 3
analysis_s = 3
batch_list_s = 3
"""

ENV = {
    "DIALNEXA_THEME": "env",
    "DIALNEXA_POLL__ANALYSIS_S": "4",
    "DIALNEXA_POLL__BATCH_LIST_S": "4",
}


@pytest.mark.parametrize(
    ("profile", "env", "flag", "theme", "origin"),
    [
        (None, False, False, "file-top", "file {config}:2"),
        ("eu", False, False, "profile", "file {config}:12 [profiles.eu]"),
        ("eu", True, False, "env", "env DIALNEXA_THEME"),
        ("eu", True, True, "flag", "flag --theme"),
        (None, False, True, "flag", "flag --theme"),
    ],
)
def test_each_layer_overrides_the_one_below(
    ws: Workspace, profile: str | None, env: bool, flag: bool, theme: str, origin: str
) -> None:
    ws.write_config(LADDER)
    s = load_settings(
        environ={**ws.env, **(ENV if env else {})},
        profile=profile,
        overrides={"theme": "flag"} if flag else None,
        keyring=no_keyring,
    )
    assert s.theme == theme
    assert s.origins["theme"] == origin.format(config=ws.config)
    # A layer that does not set a value lets the lower one show through.
    assert (s.request_budget_per_min, s.origins["request_budget_per_min"]) == (
        11,
        f"file {ws.config}:3",
    )


def test_nested_cadences_merge_key_by_key_across_all_layers(ws: Workspace) -> None:
    ws.write_config(LADDER)
    s = load_settings(
        environ={**ws.env, **ENV},
        profile="eu",
        overrides={"poll": {"batch_list_s": 5}},
        keyring=no_keyring,
    )
    poll = s.poll
    assert (poll.selected_call_s, s.origins["poll.selected_call_s"]) == (5.0, "default")
    assert (poll.active_calls_s, s.origins["poll.active_calls_s"]) == (2.0, f"file {ws.config}:6")
    assert (poll.retries_s, s.origins["poll.retries_s"]) == (
        3.0,
        f"file {ws.config}:15 [profiles.eu]",
    )
    assert (poll.analysis_s, s.origins["poll.analysis_s"]) == (
        4.0,
        "env DIALNEXA_POLL__ANALYSIS_S",
    )
    assert (poll.batch_list_s, s.origins["poll.batch_list_s"]) == (5.0, "flag --batch-list-s")


def test_settings_from_hand_built_sources(ws: Workspace) -> None:
    ws.write_config(LADDER)
    document = read_config_file(ws.config)
    top = FileTableSource(Settings, document)
    profile = ProfileSource(Settings, document, "eu")
    env = EnvironmentSource(Settings, {"DIALNEXA_REQUEST_BUDGET_PER_MIN": "22"})
    assert top.origins["theme"] == f"file {ws.config}:2"
    assert profile.origins["theme"] == f"file {ws.config}:12 [profiles.eu]"
    s = Settings.from_layers({"tick": False}, (env, profile, top))
    assert (s.theme, s.request_budget_per_min, s.tick) == ("profile", 22, False)
    assert s.poll.active_calls_s == 2.0 and s.poll.retries_s == 3.0
    # The layers were for that one construction: a direct Settings() reads nothing again.
    assert Settings().theme == "textual-dark"


def test_the_environment_source_reads_only_settable_names() -> None:
    env = EnvironmentSource(
        Settings,
        {
            "DIALNEXA_API_KEY": "dnx_live_notasetting_00000000",
            "DIALNEXA_PROFILE": "eu",
            "DIALNEXA_ORIGINS": "{}",
            "DIALNEXA_TICK": "false",
        },
    )
    assert env() == {"tick": "false"}
    assert env.origins == {"tick": "env DIALNEXA_TICK"}


def test_a_plan_is_turned_into_a_cap_within_its_own_layer() -> None:
    flags = FlagLayer({"plan": "Scale"}, None)
    assert flags.values["concurrency_cap"] == 100
    assert flags.origins["concurrency_cap"] == "flag --plan (plan scale)"
    both = FlagLayer({"plan": "scale", "concurrency_cap": 7}, None)
    assert both.values["concurrency_cap"] == 7


def test_a_flag_that_is_no_setting_is_refused() -> None:
    with pytest.raises(ConfigError, match="--them does not map onto a setting. Did you mean"):
        FlagLayer({"them": "nord"}, None)


def test_keyring_off_in_the_environment_is_not_asked(ws: Workspace) -> None:
    def must_not_be_called(username: str) -> KeyringResult:
        raise AssertionError("keyring consulted")

    s = load_settings(environ={**ws.env, "DIALNEXA_KEYRING": "false"}, keyring=must_not_be_called)
    assert s.keyring is False and s.api_key is None
    assert s.origins["keyring"] == "env DIALNEXA_KEYRING"
