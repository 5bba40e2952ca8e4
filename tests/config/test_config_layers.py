"""Layering: defaults < file < profile < environment < flags, and where each value came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import (
    DEFAULT_BASE_URL,
    ConfigError,
    PollSettings,
    Settings,
    config_path,
    load_settings,
    overrides_from_args,
)
from tests.config.conftest import Workspace, no_keyring

FILE = """
base_url = "https://file.example.com/v1"
request_budget_per_min = 40
campaigns = ["cmp_file"]
theme = "nord"

[poll]
active_calls_s = 7
analysis_s = 200
"""


def test_defaults_when_there_is_no_file_and_no_environment(ws: Workspace) -> None:
    s = load_settings(environ=ws.env, keyring=no_keyring)
    assert s.base_url == DEFAULT_BASE_URL
    assert s.poll == PollSettings()
    assert s.poll.active_calls_s == 5.0 and s.poll.analysis_s == 180.0
    assert s.request_budget_per_min == 60
    assert s.campaigns == ()
    assert s.qualified_key == "qualified"
    assert s.tick is True
    assert s.config_file is None
    assert s.origins["base_url"] == "default"
    assert s.origins["poll.retries_s"] == "default"


def test_file_values_are_used_with_file_and_line_as_origin(ws: Workspace) -> None:
    ws.write_config(FILE)
    s = load_settings(environ=ws.env, keyring=no_keyring)
    assert s.base_url == "https://file.example.com/v1"
    assert s.request_budget_per_min == 40
    assert s.campaigns == ("cmp_file",)
    assert s.poll.active_calls_s == 7.0
    assert s.config_file == ws.config
    assert s.origins["base_url"] == f"file {ws.config}:2"
    assert s.origins["poll.active_calls_s"] == f"file {ws.config}:8"


def test_environment_beats_file_and_flags_beat_environment(ws: Workspace) -> None:
    ws.write_config(FILE)
    env = {
        **ws.env,
        "DIALNEXA_BASE_URL": "https://env.example.com/v1",
        "DIALNEXA_REQUEST_BUDGET_PER_MIN": "30",
        "DIALNEXA_POLL__ACTIVE_CALLS_S": "9",
        "DIALNEXA_CAMPAIGNS": "cmp_a, cmp_b,,cmp_a",
    }
    s = load_settings(environ=env, keyring=no_keyring)
    assert s.base_url == "https://env.example.com/v1"
    assert s.request_budget_per_min == 30
    assert s.poll.active_calls_s == 9.0
    assert s.poll.analysis_s == 200.0  # nested: the file's other cadences survive
    assert s.campaigns == ("cmp_a", "cmp_b")
    assert s.origins["base_url"] == "env DIALNEXA_BASE_URL"
    assert s.origins["poll.active_calls_s"] == "env DIALNEXA_POLL__ACTIVE_CALLS_S"
    assert s.origins["poll.analysis_s"] == f"file {ws.config}:9"

    s = load_settings(
        environ=env,
        overrides={"base_url": "https://flag.example.com/v1/", "tick": False, "theme": None},
        keyring=no_keyring,
    )
    assert s.base_url == "https://flag.example.com/v1"
    assert s.tick is False
    assert s.theme == "nord"  # a None override means "flag not given"
    assert s.origins["base_url"] == "flag --base-url"
    assert s.origins["tick"] == "flag --no-tick"


def test_campaigns_accept_a_json_list_in_the_environment(ws: Workspace) -> None:
    env = {**ws.env, "DIALNEXA_CAMPAIGNS": '["cmp_x", "cmp_y"]'}
    assert load_settings(environ=env, keyring=no_keyring).campaigns == ("cmp_x", "cmp_y")


def test_whole_poll_section_as_json_in_the_environment(ws: Workspace) -> None:
    env = {**ws.env, "DIALNEXA_POLL": '{"retries_s": 45}'}
    s = load_settings(environ=env, keyring=no_keyring)
    assert s.poll.retries_s == 45.0
    assert s.origins["poll.retries_s"] == "env DIALNEXA_POLL"


@pytest.mark.parametrize(
    ("plan", "cap"),
    [("starter", 5), ("growth", 25), ("Professional", 25), ("scale", 100), ("business", 100)],
)
def test_plan_name_is_a_shortcut_for_the_cap(ws: Workspace, plan: str, cap: int) -> None:
    ws.write_config(f'plan = "{plan}"\n')
    s = load_settings(environ=ws.env, keyring=no_keyring)
    assert s.concurrency_cap == cap
    assert s.origins["concurrency_cap"] == f"file {ws.config}:1 (plan {plan.lower()})"


def test_explicit_cap_in_the_same_place_beats_the_plan(ws: Workspace) -> None:
    ws.write_config('plan = "growth"\nconcurrency_cap = 40\n')
    assert load_settings(environ=ws.env, keyring=no_keyring).concurrency_cap == 40


def test_plan_set_at_a_higher_layer_beats_a_lower_cap(ws: Workspace) -> None:
    ws.write_config("concurrency_cap = 40\n")
    env = {**ws.env, "DIALNEXA_PLAN": "scale"}
    s = load_settings(environ=env, keyring=no_keyring)
    assert s.concurrency_cap == 100
    assert s.origins["concurrency_cap"] == "env DIALNEXA_PLAN (plan scale)"


def test_plan_in_a_profile_beats_a_top_level_cap(ws: Workspace) -> None:
    ws.write_config('concurrency_cap = 40\n[profiles.big]\nplan = "business"\n')
    assert load_settings(environ=ws.env, profile="big", keyring=no_keyring).concurrency_cap == 100


def test_settings_built_directly_never_read_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIALNEXA_BASE_URL", "https://env.example.com/v1")
    monkeypatch.setenv("DIALNEXA_API_KEY", "dnx_live_shouldnotbereadhere")
    s = Settings()
    assert s.base_url == DEFAULT_BASE_URL
    assert s.api_key is None
    assert Settings(plan="starter").concurrency_cap == 5


def test_config_path_override_and_platform_default(tmp_path: Path) -> None:
    assert config_path({"DIALNEXA_MONITOR_CONFIG": str(tmp_path / "c.toml")}) == tmp_path / "c.toml"
    default = config_path({})
    assert default.name == "config.toml"
    assert default.parent.name == "dialnexa-monitor"


def test_missing_file_named_by_the_variable_is_a_note_not_an_error(ws: Workspace) -> None:
    s = load_settings(environ=ws.env, keyring=no_keyring)
    assert any("does not exist" in n for n in s.notes)


def test_devnull_as_config_means_no_settings(ws: Workspace) -> None:
    s = load_settings(environ={"DIALNEXA_MONITOR_CONFIG": "/dev/null"}, keyring=no_keyring)
    assert s.base_url == DEFAULT_BASE_URL


def test_plain_http_to_a_remote_host_is_noted(ws: Workspace) -> None:
    env = {**ws.env, "DIALNEXA_BASE_URL": "http://api.example.com/v1"}
    assert any("unencrypted" in n for n in load_settings(environ=env, keyring=no_keyring).notes)
    env["DIALNEXA_BASE_URL"] = "http://127.0.0.1:8787/v1"
    assert not any("unencrypted" in n for n in load_settings(environ=env, keyring=no_keyring).notes)


def test_overrides_from_argparse_namespace() -> None:
    from monitor.cli import build_parser

    args = build_parser().parse_args(["--base-url", "https://x.example.com/v1", "--no-tick"])
    assert overrides_from_args(args) == {"base_url": "https://x.example.com/v1", "tick": False}
    assert overrides_from_args(build_parser().parse_args([])) == {}


# ---- profiles --------------------------------------------------------------------------------

PROFILES = """
default_profile = "eu"
base_url = "https://top.example.com/v1"
theme = "nord"

[poll]
active_calls_s = 6

[profiles.eu]
base_url = "https://eu.example.com/v1"

[profiles.eu.poll]
analysis_s = 300

[profiles.us]
base_url = "https://us.example.com/v1"
"""


def test_default_profile_applies_over_top_level_values(ws: Workspace) -> None:
    ws.write_config(PROFILES)
    s = load_settings(environ=ws.env, keyring=no_keyring)
    assert s.profile == "eu"
    assert s.base_url == "https://eu.example.com/v1"
    assert s.theme == "nord"  # inherited from the top level
    assert s.poll.active_calls_s == 6.0 and s.poll.analysis_s == 300.0
    assert s.origins["base_url"] == f"file {ws.config}:10 [profiles.eu]"
    assert s.origins["poll.analysis_s"] == f"file {ws.config}:13 [profiles.eu]"
    assert s.origins["profile"] == f"file {ws.config}:2"


def test_profile_flag_beats_environment_beats_default_profile(ws: Workspace) -> None:
    ws.write_config(PROFILES)
    env = {**ws.env, "DIALNEXA_PROFILE": "us"}
    s = load_settings(environ=env, keyring=no_keyring)
    assert (s.profile, s.base_url) == ("us", "https://us.example.com/v1")
    assert s.origins["profile"] == "env DIALNEXA_PROFILE"
    s = load_settings(environ=env, profile="eu", keyring=no_keyring)
    assert (s.profile, s.base_url) == ("eu", "https://eu.example.com/v1")
    assert s.origins["profile"] == "flag --profile"


def test_environment_still_beats_the_profile(ws: Workspace) -> None:
    ws.write_config(PROFILES)
    env = {**ws.env, "DIALNEXA_BASE_URL": "https://env.example.com/v1"}
    assert load_settings(environ=env, keyring=no_keyring).base_url == "https://env.example.com/v1"


def test_without_default_profile_only_top_level_values_apply(ws: Workspace) -> None:
    ws.write_config(PROFILES.replace('default_profile = "eu"', ""))
    s = load_settings(environ=ws.env, keyring=no_keyring)
    assert s.profile is None
    assert s.base_url == "https://top.example.com/v1"


def test_unknown_profile_lists_the_available_ones(ws: Workspace) -> None:
    ws.write_config(PROFILES)
    with pytest.raises(ConfigError) as info:
        load_settings(environ=ws.env, profile="eur", keyring=no_keyring)
    msg = str(info.value)
    assert f"There is no profile 'eur' in {ws.config} (asked for by flag --profile)." in msg
    assert "Available profiles: eu, us." in msg
    assert "Did you mean 'eu'?" in msg


def test_unknown_profile_from_the_environment_names_the_variable(ws: Workspace) -> None:
    ws.write_config(PROFILES)
    with pytest.raises(ConfigError, match="asked for by env DIALNEXA_PROFILE"):
        load_settings(environ={**ws.env, "DIALNEXA_PROFILE": "asia"}, keyring=no_keyring)


def test_profile_asked_for_without_any_profiles(ws: Workspace) -> None:
    ws.write_config('theme = "nord"\n')
    with pytest.raises(ConfigError, match=r"defines no profiles \(\[profiles.NAME\] sections\)"):
        load_settings(environ=ws.env, profile="eu", keyring=no_keyring)


def test_profile_asked_for_without_a_config_file(ws: Workspace) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ=ws.env, profile="eu", keyring=no_keyring)
    assert f"there is no config file at {ws.config}" in str(info.value)
    assert "[profiles.eu]" in str(info.value)


def test_overrides_may_carry_profile_and_key_file_but_not_derived_fields(ws: Workspace) -> None:
    ws.write_config('[profiles.eu]\ntheme = "nord"\n')
    s = load_settings(environ=ws.env, overrides={"profile": "eu"}, keyring=no_keyring)
    assert (s.profile, s.theme) == ("eu", "nord")
    with pytest.raises(ConfigError, match="--origins does not map onto a setting"):
        load_settings(environ=ws.env, overrides={"origins": {}}, keyring=no_keyring)
