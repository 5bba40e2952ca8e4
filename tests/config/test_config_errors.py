"""Every bad configuration ends in one plain paragraph naming the place and the fix."""

from __future__ import annotations

import os

import pytest

from monitor.config import (
    ConfigError,
    Settings,
    check_config_file,
    load_settings,
    validate_base_url,
)
from monitor.config.secrets import FileIdentity
from tests.config.conftest import Workspace, no_keyring
from tests.leakscan import assert_no_leak


def error_of(ws: Workspace, config: str | None = None, **kwargs: object) -> str:
    if config is not None:
        ws.write_config(config)
    kwargs.setdefault("environ", ws.env)
    with pytest.raises(ConfigError) as info:
        load_settings(keyring=no_keyring, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


def test_bad_toml_names_file_line_and_column(ws: Workspace) -> None:
    msg = error_of(ws, 'theme = "nord"\nbase_url = https://x.example.com/v1\n')
    assert msg.startswith(f"{ws.config}, line 2, column 12: this is not valid TOML (Invalid value)")
    assert "double quotes" in msg


def test_bad_toml_never_quotes_the_offending_line(ws: Workspace, canary: str) -> None:
    msg = error_of(ws, f"api_key = {canary}\n")
    assert "line 1" in msg
    assert_no_leak(msg, canary)


def test_unterminated_string_at_end_of_file(ws: Workspace) -> None:
    msg = error_of(ws, 'theme = "nord')
    assert msg.startswith(f"{ws.config}, line 1 (the end of the file): this is not valid TOML")


def test_unknown_key_suggests_the_closest_name(ws: Workspace) -> None:
    msg = error_of(ws, 'theme = "nord"\nbase_ulr = "https://x.example.com/v1"\n')
    assert msg.startswith(
        f"{ws.config}, line 2: unknown setting 'base_ulr'. Did you mean 'base_url'?"
    )
    assert "Valid settings: base_url, campaigns" in msg


def test_unknown_key_in_a_profile_names_the_section(ws: Workspace) -> None:
    msg = error_of(ws, '[profiles.eu]\nthem = "nord"\n')
    assert msg.startswith(
        f"{ws.config}, line 2: unknown setting 'them' in [profiles.eu]. Did you mean 'theme'?"
    )


def test_unknown_poll_cadence(ws: Workspace) -> None:
    msg = error_of(ws, "[poll]\nactive_call_s = 5\n")
    assert msg.startswith(
        f"{ws.config}, line 2: unknown setting 'active_call_s' in [poll]. "
        "Did you mean 'active_calls_s'?"
    )
    msg = error_of(ws, "[profiles.eu.poll]\nretry_s = 5\n")
    assert "unknown setting 'retry_s' in [profiles.eu.poll]. Did you mean 'retries_s'?" in msg


def test_poll_must_be_a_section(ws: Workspace) -> None:
    assert "poll must be a section" in error_of(ws, "poll = 5\n")


def test_default_profile_inside_a_profile_is_explained(ws: Workspace) -> None:
    msg = error_of(ws, '[profiles.eu]\ndefault_profile = "eu"\n')
    assert "default_profile belongs at the top of the file, not inside a profile" in msg


def test_profiles_must_be_sections(ws: Workspace) -> None:
    assert "profiles must be sections" in error_of(ws, 'profiles = "eu"\n')
    assert "profile 'eu' must be a section" in error_of(ws, "[profiles]\neu = 3\n")


def test_default_profile_must_be_a_name(ws: Workspace) -> None:
    msg = error_of(ws, "default_profile = 3\n")
    assert msg.startswith(f"{ws.config}, line 1: default_profile must be the name of a profile")


def test_wrong_type_in_the_file_names_setting_place_and_type_not_value(ws: Workspace) -> None:
    msg = error_of(ws, 'theme = "nord"\nrequest_budget_per_min = "lots"\n')
    assert msg == (
        "A setting is wrong: request_budget_per_min from the config file "
        f"({ws.config}:2) must be a whole number. Fix the value where it is set "
        "(`dialnexa-monitor config show` lists every source)."
    )
    assert "lots" not in msg


def test_wrong_type_in_a_profile_poll_section(ws: Workspace) -> None:
    msg = error_of(ws, '[profiles.eu.poll]\nanalysis_s = "slow"\n', profile="eu")
    assert (
        f"poll.analysis_s from the config file ({ws.config}:2 [profiles.eu]) must be a number"
        in msg
    )
    assert "slow" not in msg


def test_out_of_range_and_bad_choices(ws: Workspace) -> None:
    msg = error_of(ws, "[poll]\nactive_calls_s = 0.2\n")
    assert "poll.active_calls_s from the config file" in msg and "must be at least 1" in msg
    msg = error_of(ws, 'log_level = "chatty"\n')
    assert "log_level from the config file" in msg
    assert "must be one of 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'" in msg
    assert "chatty" not in msg
    msg = error_of(ws, 'plan = "enterprise"\n')
    assert "plan from the config file" in msg and "'starter'" in msg


def test_several_problems_are_all_listed(ws: Workspace) -> None:
    msg = error_of(ws, 'tick = "sometimes"\nconcurrency_cap = -1\n')
    assert msg.startswith("2 settings are wrong:")
    assert "tick from the config file" in msg and "true or false" in msg
    assert "concurrency_cap from the config file" in msg and "at least 1" in msg


def test_wrong_type_in_the_environment_names_the_variable(ws: Workspace) -> None:
    msg = error_of(ws, environ={**ws.env, "DIALNEXA_POLL__RETRIES_S": "often"})
    assert "poll.retries_s from the environment (DIALNEXA_POLL__RETRIES_S) must be a number" in msg
    assert "often" not in msg


def test_bad_json_for_the_poll_section_in_the_environment(ws: Workspace) -> None:
    msg = error_of(ws, environ={**ws.env, "DIALNEXA_POLL": "{nope"})
    assert "DIALNEXA_POLL is not valid JSON" in msg
    assert "DIALNEXA_POLL__ACTIVE_CALLS_S=10" in msg


def test_wrong_type_from_a_flag(ws: Workspace) -> None:
    msg = error_of(ws, overrides={"request_budget_per_min": "x"})
    assert "request_budget_per_min from the command line (--request-budget-per-min)" in msg


@pytest.mark.parametrize("name", ["api_key", "token", "apikey"])
def test_key_in_the_config_file_is_refused_without_echoing_it(
    ws: Workspace, canary: str, name: str
) -> None:
    msg = error_of(ws, f'theme = "nord"\n{name} = "{canary}"\n')
    assert msg.startswith(
        f"{ws.config}, line 2: the config file must not contain the API key ({name})."
    )
    assert "api_key_file" in msg and "DIALNEXA_API_KEY" in msg
    assert_no_leak(msg, canary)


def test_key_in_a_profile_is_refused(ws: Workspace, canary: str) -> None:
    msg = error_of(ws, f'[profiles.eu]\napi_key = "{canary}"\n')
    assert "must not contain the API key (api_key in [profiles.eu])" in msg
    assert_no_leak(msg, canary)


@pytest.mark.parametrize(
    "url",
    [
        "https://user:{key}@api.dialnexa.com/v1",
        "https://api.dialnexa.com/v1?api_key={key}",
        "ftp://u:{key}@api.dialnexa.com/v1",
    ],
)
def test_base_url_with_credentials_is_refused_without_echo(
    ws: Workspace, canary: str, url: str
) -> None:
    msg = error_of(ws, environ={**ws.env, "DIALNEXA_BASE_URL": url.format(key=canary)})
    assert msg.startswith("base_url from the environment (DIALNEXA_BASE_URL):")
    assert "put the key in DIALNEXA_API_KEY or a key file, not in the URL".lower() in msg.lower()
    assert_no_leak(msg, canary)


def test_base_url_must_be_http_with_a_host() -> None:
    with pytest.raises(ConfigError, match="is not an http"):
        validate_base_url("api.dialnexa.com/v1")
    with pytest.raises(ConfigError, match="cannot be parsed"):
        validate_base_url("https://api.dialnexa.com:notaport/v1")
    assert validate_base_url(" https://api.dialnexa.com/v1/ ") == "https://api.dialnexa.com/v1"


def test_settings_validation_error_shows_no_input(canary: str) -> None:
    # FAULTS H6/S10: pydantic's own text must not carry the value, whatever happens.
    from pydantic import SecretStr, ValidationError

    with pytest.raises(ValidationError) as info:
        Settings(api_key=SecretStr(canary), base_url=canary)
    assert_no_leak(str(info.value), canary)
    with pytest.raises(ValidationError) as info:
        Settings(api_key=SecretStr(canary), request_budget_per_min=canary)
    assert_no_leak(str(info.value), canary)
    assert_no_leak(repr(info.value.errors(include_input=False)), canary)


def test_config_file_writable_by_others_is_refused(ws: Workspace) -> None:
    ws.write_config('theme = "nord"\n', mode=0o666)
    msg = error_of(ws)
    assert f"The config file {ws.config} is writable by others (mode 0666)" in msg
    assert f"Run: chmod go-w {ws.config}" in msg
    os.chmod(ws.config, 0o644)  # readable is fine: the file holds no key
    assert load_settings(environ=ws.env, keyring=no_keyring).theme == "nord"


def test_config_file_owned_by_someone_else_is_refused(ws: Workspace) -> None:
    with pytest.raises(ConfigError, match=r"belongs to .*uid 4242"):
        check_config_file(ws.config, FileIdentity(mode=0o100644, uid=4242), uid=1000)
    check_config_file(ws.config, FileIdentity(mode=0o100644, uid=0), uid=1000)  # root is fine


def test_config_file_that_is_a_directory(ws: Workspace) -> None:
    ws.config.mkdir()
    assert "is not a regular file" in error_of(ws)


def test_config_file_not_utf8(ws: Workspace) -> None:
    ws.config.write_bytes(b'theme = "nord"\ntheme2 = "\xff"\n')
    assert error_of(ws).startswith(f"{ws.config}, line 2: the config file is not valid UTF-8")


def test_unknown_nested_environment_variable_suggests_the_cadence(ws: Workspace) -> None:
    msg = error_of(ws, environ={**ws.env, "DIALNEXA_POLL__ACTIVE_CALL_S": "5"})
    assert (
        "poll.active_call_s from the environment (DIALNEXA_POLL__ACTIVE_CALL_S) is not a "
        "setting. Did you mean 'active_calls_s'? Fix" in msg
    )
