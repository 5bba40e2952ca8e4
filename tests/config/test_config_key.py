"""The API key as a credential: sources, precedence, file permissions, shape, keyring."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from monitor.config import ConfigError, Settings, load_settings, require_api_key
from monitor.config.secrets import (
    FileIdentity,
    KeyringResult,
    SecretError,
    check_key_text,
    key_tail,
    keyring_lookup,
    read_key_file,
)
from tests.config.conftest import Workspace, no_keyring
from tests.leakscan import assert_no_leak


def key_error(ws: Workspace, **kwargs: object) -> str:
    kwargs.setdefault("environ", ws.env)
    with pytest.raises(ConfigError) as info:
        load_settings(keyring=no_keyring, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


def test_key_from_the_environment(ws: Workspace, canary: str) -> None:
    s = load_settings(environ={**ws.env, "DIALNEXA_API_KEY": canary}, keyring=no_keyring)
    assert s.api_key is not None and s.api_key.get_secret_value() == canary
    assert s.api_key_source == "env DIALNEXA_API_KEY"
    assert s.origins["api_key"] == "env DIALNEXA_API_KEY"


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_key_variable_says_so_and_suggests_demo(ws: Workspace, value: str) -> None:
    msg = key_error(ws, environ={**ws.env, "DIALNEXA_API_KEY": value})
    assert msg.startswith("DIALNEXA_API_KEY is set but empty.")
    assert "--demo" in msg


def test_key_file_flag_with_mode_0600_is_read_and_one_newline_stripped(
    ws: Workspace, canary: str
) -> None:
    path = ws.write_key(canary)
    s = load_settings(environ=ws.env, api_key_file=path, keyring=no_keyring)
    assert s.api_key is not None and s.api_key.get_secret_value() == canary
    assert s.api_key_source == f"file {path}"
    assert s.origins["api_key"] == f"file {path} (flag --api-key-file)"
    assert s.api_key_file == path


def test_key_file_with_crlf_or_no_newline(ws: Workspace, canary: str) -> None:
    for newline in ("\r\n", ""):
        path = ws.write_key(canary, newline=newline)
        s = load_settings(environ=ws.env, api_key_file=path, keyring=no_keyring)
        assert s.api_key is not None and s.api_key.get_secret_value() == canary


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o660, 0o604])
def test_key_file_readable_by_others_is_refused_with_the_chmod(
    ws: Workspace, canary: str, mode: int
) -> None:
    path = ws.write_key(canary, mode=mode)
    msg = key_error(ws, api_key_file=path)
    assert msg == (
        f"The key file {path} is readable by others (mode {mode:04o}). Run: chmod 600 {path}"
    )
    assert_no_leak(msg, canary)


def test_key_file_writable_by_group_is_refused(ws: Workspace, canary: str) -> None:
    path = ws.write_key(canary, mode=0o620)
    assert "is accessible by others (mode 0620). Run: chmod 600" in key_error(ws, api_key_file=path)


def test_key_file_path_with_spaces_gets_a_quoted_chmod(ws: Workspace, canary: str) -> None:
    path = ws.write_key(canary, name="my key", mode=0o644)
    assert f"Run: chmod 600 '{path}'" in key_error(ws, api_key_file=path)


def test_key_file_owned_by_another_user_names_the_owner(ws: Workspace, canary: str) -> None:
    path = ws.write_key(canary)
    with pytest.raises(SecretError) as info:
        read_key_file(
            path,
            origin="--api-key-file",
            identify=lambda st: FileIdentity(mode=0o100600, uid=4242),
            uid=1000,
        )
    assert f"The key file {path} belongs to uid 4242, not to you" in str(info.value)
    assert_no_leak(str(info.value), canary)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_key_file_really_owned_by_nobody_is_refused(ws: Workspace, canary: str) -> None:
    path = ws.write_key(canary)
    os.chown(path, 65534, 65534)
    msg = key_error(ws, api_key_file=path)
    assert "belongs to" in msg and "uid 65534" in msg and "not to you" in msg


def test_symlink_to_a_file_owned_by_another_user_is_judged_by_its_target(
    ws: Workspace, canary: str
) -> None:
    target = ws.write_key(canary, name="real", mode=0o644)
    link = ws.root / "link"
    link.symlink_to(target)
    assert f"The key file {link} is readable by others (mode 0644)" in key_error(
        ws, api_key_file=link
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "is empty"),
        ("\n", "is empty"),
        ("dnx_live_first_line_0123\ndnx_live_second_line_4567\n", "has more than one line"),
    ],
)
def test_malformed_key_files(ws: Workspace, content: str, problem: str) -> None:
    path = ws.root / "key"
    path.write_text(content)
    path.chmod(0o600)
    assert problem in key_error(ws, api_key_file=path)


def test_missing_key_file_says_how_to_create_it(ws: Workspace) -> None:
    path = ws.root / "nope"
    msg = key_error(ws, api_key_file=path)
    assert msg.startswith(f"The key file {path} (from --api-key-file) does not exist.")
    assert f"chmod 600 {path}" in msg


def test_key_file_that_is_a_directory_or_too_big(ws: Workspace) -> None:
    assert "is not a regular file" in key_error(ws, api_key_file=ws.root)
    big = ws.root / "big"
    big.write_bytes(b"x" * 10_000)
    big.chmod(0o600)
    assert "larger than 4096 bytes" in key_error(ws, api_key_file=big)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("Bearer dnx_live_CANARYabcdefghij0123456789", "starts with 'Bearer'"),
        ("dnx_live_CANARY abcdefghij0123456789", "contains whitespace inside it"),
        ('"dnx_live_CANARYabcdefghij0123456789"', "contains quote characters"),
        ("dnx_live_CANARYabcdefghij0123456789 ", "has whitespace or a line break before or after"),
        ("dnx_live_CANARYabcdéfghij0123456789", "cannot be sent in an HTTP header"),
    ],
)
def test_malformed_key_is_named_without_echo(ws: Workspace, key: str, problem: str) -> None:
    msg = key_error(ws, environ={**ws.env, "DIALNEXA_API_KEY": key})
    assert problem in msg
    assert msg.startswith("The API key from DIALNEXA_API_KEY (the key ending …")
    assert_no_leak(msg, key.strip().strip('"').removeprefix("Bearer "), allow_last4=True)


def test_malformed_key_in_a_file(ws: Workspace) -> None:
    path = ws.write_key("'dnx_live_CANARYabcdefghij0123456789'")
    msg = key_error(ws, api_key_file=path)
    assert f"The API key from the file {path}" in msg and "quote" in msg


def test_key_tail_shows_at_most_four_characters() -> None:
    assert key_tail("dnx_live_CANARYabcdefghij0123456789") == "…6789"
    assert key_tail("short_key") == "…"  # four of nine characters would be too much
    assert key_tail("dnx_live_CANARYabcdefghij012345678\x1b") == "…"
    assert (
        check_key_text("key_id:secret_part_0123", "x").get_secret_value()
        == "key_id:secret_part_0123"
    )


# ---- precedence ------------------------------------------------------------------------------


def test_key_precedence_flag_file_then_env_then_config_file_then_keyring(ws: Workspace) -> None:
    flag_file = ws.write_key("dnx_live_fromtheflagfile_000000", name="flag.key")
    conf_file = ws.write_key("dnx_live_fromtheconfigfile_0000", name="conf.key")
    ws.write_config('api_key_file = "conf.key"\n')  # relative to the config file
    from_keyring = lambda user: KeyringResult(key=SecretStr("dnx_live_fromthekeyring_00000000"))  # noqa: E731
    env = {**ws.env, "DIALNEXA_API_KEY": "dnx_live_fromtheenvironment_000"}

    def key(**kw: object) -> str:
        s = load_settings(keyring=from_keyring, **kw)  # type: ignore[arg-type]
        assert s.api_key is not None
        return s.api_key.get_secret_value()

    assert key(environ=env, api_key_file=flag_file) == "dnx_live_fromtheflagfile_000000"
    assert key(environ=env) == "dnx_live_fromtheenvironment_000"
    s = load_settings(environ=ws.env, keyring=from_keyring)
    assert (
        s.api_key is not None and s.api_key.get_secret_value() == "dnx_live_fromtheconfigfile_0000"
    )
    assert s.api_key_source == f"file {conf_file}"
    assert s.origins["api_key"] == f"file {conf_file} (api_key_file in {ws.config}:1)"
    ws.config.unlink()
    s = load_settings(environ=ws.env, keyring=from_keyring)
    assert s.api_key_source == "keyring"
    assert (
        s.api_key is not None and s.api_key.get_secret_value() == "dnx_live_fromthekeyring_00000000"
    )


def test_key_file_from_the_environment_variable(ws: Workspace) -> None:
    path = ws.write_key("dnx_live_fromenvkeyfile_0000000")
    s = load_settings(environ={**ws.env, "DIALNEXA_API_KEY_FILE": str(path)}, keyring=no_keyring)
    assert s.api_key_source == f"file {path}"
    assert s.origins["api_key_file"] == "env DIALNEXA_API_KEY_FILE"


def test_profile_chooses_its_own_key_file(ws: Workspace) -> None:
    ws.write_key("dnx_live_euworkspacekey_0000000", name="eu.key")
    ws.write_config('[profiles.eu]\napi_key_file = "eu.key"\n[profiles.us]\n')
    s = load_settings(environ=ws.env, profile="eu", keyring=no_keyring)
    assert s.api_key is not None and s.api_key.get_secret_value().startswith("dnx_live_eu")
    assert s.origins["api_key"].endswith(f"(api_key_file in {ws.config}:2 [profiles.eu])")
    assert load_settings(environ=ws.env, profile="us", keyring=no_keyring).api_key is None


def test_bad_config_key_file_is_not_read_when_the_flag_gives_one(ws: Workspace) -> None:
    ws.write_key("dnx_live_sharedbymistake_000000", name="bad.key", mode=0o644)
    good = ws.write_key("dnx_live_goodflagkeyfile_000000", name="good.key")
    ws.write_config('api_key_file = "bad.key"\n')
    s = load_settings(environ=ws.env, api_key_file=good, keyring=no_keyring)
    assert s.api_key_source == f"file {good}"


def test_load_key_false_skips_every_key_source(ws: Workspace) -> None:
    ws.write_key("dnx_live_sharedbymistake_000000", name="bad.key", mode=0o644)
    ws.write_config('api_key_file = "bad.key"\n')

    def must_not_be_called(user: str) -> KeyringResult:
        raise AssertionError("keyring consulted")

    s = load_settings(
        environ={**ws.env, "DIALNEXA_API_KEY": ""}, load_key=False, keyring=must_not_be_called
    )
    assert s.api_key is None and s.api_key_source == "none"
    assert s.origins["api_key"] == "not loaded"


def test_programmatic_key_override(ws: Workspace) -> None:
    s = load_settings(environ=ws.env, overrides={"api_key": "demo"}, keyring=no_keyring)
    assert s.api_key is not None and s.api_key.get_secret_value() == "demo"
    assert s.api_key_source == "override"


# ---- keyring ---------------------------------------------------------------------------------


def test_keyring_is_asked_with_the_profile_name(ws: Workspace) -> None:
    asked: list[str] = []

    def lookup(user: str) -> KeyringResult:
        asked.append(user)
        return KeyringResult(note="nothing")

    ws.write_config("[profiles.eu]\n")
    load_settings(environ=ws.env, keyring=lookup)
    load_settings(environ=ws.env, profile="eu", keyring=lookup)
    assert asked == ["default", "eu"]


def test_keyring_off_in_config_is_not_asked(ws: Workspace) -> None:
    ws.write_config("keyring = false\n")

    def must_not_be_called(user: str) -> KeyringResult:
        raise AssertionError("keyring consulted")

    assert load_settings(environ=ws.env, keyring=must_not_be_called).api_key is None


def test_headless_keyring_is_one_calm_note(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.errors import NoKeyringError

    def raise_no_keyring(service: str, user: str) -> str | None:
        raise NoKeyringError("No recommended backend was available.")

    monkeypatch.setattr(keyring, "get_password", raise_no_keyring)
    result = keyring_lookup("default")
    assert result == KeyringResult(note="No system keyring here (headless host)")
    s = load_settings(environ=ws.env)  # the real lookup, patched
    assert s.api_key is None and s.api_key_source == "none"
    assert "No system keyring here (headless host)" in s.notes
    with pytest.raises(ConfigError) as info:
        require_api_key(s)
    msg = str(info.value)
    assert msg.startswith("No API key found. (No system keyring here (headless host).)")
    assert "DIALNEXA_API_KEY" in msg and "--api-key-file" in msg and "--demo" in msg
    assert "\n" not in msg and "Traceback" not in msg


def test_keyring_backend_crash_is_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    def explode(service: str, user: str) -> str | None:
        raise RuntimeError("dbus said no, secret=dnx_live_CANARYxyz")

    monkeypatch.setattr(keyring, "get_password", explode)
    assert keyring_lookup("default") == KeyringResult(
        note="The system keyring failed (RuntimeError)"
    )


def test_keyring_not_installed_is_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes `import keyring` fail
    result = keyring_lookup("default")
    assert result.key is None and result.note is not None and "not installed" in result.note


def test_keyring_with_a_stored_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    seen: list[tuple[str, str]] = []

    def get(service: str, user: str) -> str | None:
        seen.append((service, user))
        return "dnx_live_storedinkeyring_000000"

    monkeypatch.setattr(keyring, "get_password", get)
    result = keyring_lookup("eu")
    assert seen == [("dialnexa-monitor", "eu")]
    assert result.key is not None and result.key.get_secret_value().endswith("000000")


def test_key_never_in_settings_repr_str_or_json(ws: Workspace, canary: str) -> None:
    s = load_settings(environ={**ws.env, "DIALNEXA_API_KEY": canary}, keyring=no_keyring)
    for text in (repr(s), str(s), s.model_dump_json(), repr(s.model_dump()), repr(s.origins)):
        assert_no_leak(text, canary)
    assert isinstance(Settings.model_fields["api_key"].annotation, object)


def test_key_from_stdin_with_api_key_file_dash(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("dnx_live_pipedfromstdin_0000000\n"))
    s = load_settings(environ=ws.env, api_key_file=Path("-"), keyring=no_keyring)
    assert (
        s.api_key is not None and s.api_key.get_secret_value() == "dnx_live_pipedfromstdin_0000000"
    )
    assert s.api_key_source == "stdin"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert "found nothing on standard input" in key_error(ws, api_key_file=Path("-"))


def test_no_flag_takes_the_key_value() -> None:
    # FAULTS S1: a key in argv shows in `ps` to every user of a shared host.
    import argparse

    from monitor.cli import build_parser

    def options(parser: argparse.ArgumentParser) -> list[str]:
        found: list[str] = []
        for action in parser._actions:
            found += action.option_strings
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found += options(sub)
        return found

    flags = options(build_parser())
    assert "--api-key-file" in flags
    assert "--webhook-secret-file" in flags  # a path, like the key's (issue 22)
    for flag in flags:
        assert flag in ("--api-key-file", "--webhook-secret-file") or not any(
            word in flag for word in ("key", "token", "secret", "password")
        ), flag
