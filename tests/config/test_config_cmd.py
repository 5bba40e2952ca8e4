"""`dialnexa-monitor config path|show|check`: output, exit codes, and no key in any of it."""

from __future__ import annotations

import argparse
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from monitor.cli import build_parser
from monitor.config import load_settings
from monitor.config.command import run_config
from tests.config.conftest import Workspace, no_keyring
from tests.leakscan import assert_no_leak

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "config.example.toml"


def args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["config", *argv])


def run(
    ws: Workspace,
    *argv: str,
    env: dict[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_config(
        args(*argv),
        environ={**ws.env, **(env or {})},
        transport=transport,
        keyring=no_keyring,
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()


def test_path_prints_the_path_alone_and_says_whether_it_exists(ws: Workspace) -> None:
    code, out, err = run(ws, "path")
    assert (code, out) == (0, f"{ws.config}\n")
    assert "does not exist yet (set by DIALNEXA_MONITOR_CONFIG)" in err
    ws.write_config("")
    code, out, err = run(ws, "path")
    assert (code, out) == (0, f"{ws.config}\n")
    assert "The config file exists (set by DIALNEXA_MONITOR_CONFIG)." in err


CONFIG = """
default_profile = "eu"
plan = "growth"

[profiles.eu]
base_url = "https://eu.example.com/v1"
campaigns = ["cmp_a", "cmp_b"]

[profiles.eu.poll]
analysis_s = 300
"""


def test_show_lists_every_setting_with_its_origin(ws: Workspace, canary: str) -> None:
    ws.write_config(CONFIG)
    code, out, err = run(
        ws, "--base-url", "https://flag.example.com/v1", "show",
        env={"DIALNEXA_API_KEY": canary, "DIALNEXA_THEME": "nord"},
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"config file  {ws.config}"
    assert lines[1] == f"profile      eu  (file {ws.config}:2)"
    rows = {line.split()[0]: line for line in lines[3 : lines.index("", 3)]}
    assert rows["base_url"].split()[1:] == ["https://flag.example.com/v1", "flag", "--base-url"]
    assert rows["api_key"].split()[1:] == [f"…{canary[-4:]}", "env", "DIALNEXA_API_KEY"]
    assert rows["theme"].split()[1:] == ["nord", "env", "DIALNEXA_THEME"]
    assert rows["campaigns"].split()[1:4] == ["cmp_a,", "cmp_b", "file"]
    assert rows["campaigns"].endswith(f"{ws.config}:7 [profiles.eu]")
    assert rows["concurrency_cap"].split(maxsplit=2)[1:] == [
        "25",
        f"file {ws.config}:3 (plan growth)",
    ]
    assert rows["poll.analysis_s"].split(maxsplit=2)[1:] == [
        "300",
        f"file {ws.config}:10 [profiles.eu]",
    ]
    assert rows["poll.active_calls_s"].split()[1:] == ["5", "default"]
    assert rows["tick"].split()[1:] == ["true", "default"]
    assert len(rows) == 1 + 21  # header + every setting (20th `source`, issue 18; 21st `colors`)
    assert_no_leak(out + err, canary, allow_last4=True)


def test_show_with_a_key_file_names_it(ws: Workspace, canary: str) -> None:
    path = ws.write_key(canary)
    code, out, _ = run(ws, "--api-key-file", str(path), "show")
    assert code == 0
    assert f"…{canary[-4:]}" in out and f"file {path} (flag --api-key-file)" in out
    assert_no_leak(out, canary, allow_last4=True)


def test_show_without_a_key_or_file(ws: Workspace) -> None:
    code, out, err = run(ws, "show")
    assert code == 0
    assert "config file  (none: defaults, environment and flags only)" in out
    assert "profile      (none: top-level values only)" in out
    assert any(line.split()[:2] == ["api_key", "(none)"] for line in out.splitlines())
    assert "note: No system keyring here (headless host)" in err


def test_show_config_error_is_exit_2_with_the_message_and_no_traceback(
    ws: Workspace, canary: str
) -> None:
    ws.write_config(f'api_key = "{canary}"\n')
    code, out, err = run(ws, "show")
    assert code == 2 and out == ""
    assert err.startswith(f"Configuration error: {ws.config}, line 1: the config file must not")
    assert "Traceback" not in err
    assert_no_leak(err, canary)


def test_show_refuses_a_shared_key_file(ws: Workspace, canary: str) -> None:
    path = ws.write_key(canary, mode=0o644)
    code, _, err = run(ws, "--api-key-file", str(path), "show")
    assert code == 2
    assert f"is readable by others (mode 0644). Run: chmod 600 {path}" in err
    assert_no_leak(err, canary)


# ---- check -----------------------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def api(handler: Handler, seen: list[httpx.Request]) -> httpx.MockTransport:
    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(record)


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"data": [], "meta": {"total": 0, "page": 1, "limit": 1}})


def test_check_ok_sends_one_authenticated_get(ws: Workspace, canary: str) -> None:
    seen: list[httpx.Request] = []
    code, out, err = run(ws, "check", env={"DIALNEXA_API_KEY": canary}, transport=api(ok, seen))
    assert code == 0, err
    assert len(seen) == 1
    assert seen[0].method == "GET"
    assert seen[0].url.path == "/v1/calls"
    assert seen[0].url.params["limit"] == "1"
    assert seen[0].headers["Authorization"] == f"Bearer {canary}"
    assert out.startswith(
        f"ok: https://api.dialnexa.com/v1 accepted the key …{canary[-4:]} (env DIALNEXA_API_KEY);"
    )
    assert_no_leak(out + err, canary, allow_last4=True)


def status(code: int, body: object = None, headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(code, json=body or {"message": "nope"}, headers=headers)

    return handler


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


@pytest.mark.parametrize(
    ("handler", "words"),
    [
        (status(401), "check failed: key refused (HTTP 401)"),
        (status(403), "key accepted but not allowed to list calls (HTTP 403)"),
        (status(404, {"message": "Cannot GET /calls"}), "the server has no /calls here (HTTP 404)"),
        (status(429, headers={"Retry-After": "12"}), "rate limited (HTTP 429)"),
        (status(503), "the API is having trouble (HTTP 503)"),
        (refused, "check failed: unreachable:"),
        (lambda r: httpx.Response(200, text="<html>502</html>"), "not like the DialNexa API"),
    ],
)
def test_check_failures_are_plain_words_and_exit_1(
    ws: Workspace, canary: str, handler: Handler, words: str
) -> None:
    code, out, err = run(ws, "check", env={"DIALNEXA_API_KEY": canary}, transport=api(handler, []))
    assert code == 1, err
    assert out == ""
    assert words in err
    assert "Traceback" not in err
    assert_no_leak(err, canary, allow_last4=True)


def test_check_echoing_server_does_not_leak_the_key(ws: Workspace, canary: str) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"message": f"bad {request.headers['Authorization']}"})

    code, _, err = run(ws, "check", env={"DIALNEXA_API_KEY": canary}, transport=api(echo, []))
    assert code == 1
    assert_no_leak(err, canary, allow_last4=True)


def test_check_without_a_key_is_a_config_error(ws: Workspace) -> None:
    code, out, err = run(ws, "check", transport=api(ok, []))
    assert code == 2 and out == ""
    assert err.startswith("Configuration error: No API key found. (No system keyring here")
    assert "--demo" in err


def test_check_with_an_empty_key_variable(ws: Workspace) -> None:
    code, _, err = run(ws, "check", env={"DIALNEXA_API_KEY": ""}, transport=api(ok, []))
    assert code == 2
    assert "DIALNEXA_API_KEY is set but empty" in err and "--demo" in err


def test_cli_main_maps_config_errors_to_exit_2(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor.cli import main

    for name in [k for k in __import__("os").environ if k.startswith("DIALNEXA")]:
        monkeypatch.delenv(name)
    for name, value in ws.env.items():
        monkeypatch.setenv(name, value)
    ws.write_config("[profiles.eu]\n")
    assert main(["config", "--profile", "nope", "show"]) == 2
    captured = capsys.readouterr()
    assert (
        "There is no profile 'nope'" in captured.err and "Available profiles: eu." in captured.err
    )


# ---- the example file ------------------------------------------------------------------------


def test_example_config_loads_cleanly_with_every_profile(ws: Workspace) -> None:
    shutil.copy(EXAMPLE, ws.config)
    ws.config.chmod(0o644)
    s = load_settings(environ=ws.env, keyring=no_keyring)
    assert s.profile == "eu"  # its default_profile
    assert s.concurrency_cap == 100  # plan "scale" in the profile beats "growth" at the top
    assert s.poll.analysis_s == 300.0
    staging = load_settings(environ=ws.env, profile="staging", keyring=no_keyring)
    assert staging.base_url == "http://127.0.0.1:8787/v1"
    assert staging.concurrency_cap == 10
    assert staging.log_level == "DEBUG"
    assert not staging.notes  # no plain-http warning for the local simulator


def test_example_config_documents_every_setting() -> None:
    from monitor.config import POLL_FIELDS, SETTABLE

    text = EXAMPLE.read_text(encoding="utf-8")
    for name in (*SETTABLE, *POLL_FIELDS, "default_profile", "[profiles."):
        assert name in text, name


def test_show_output_is_json_free_plain_text(ws: Workspace) -> None:
    # A guard against accidentally dumping the model (which would include notes/origins maps).
    _, out, _ = run(ws, "show")
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
