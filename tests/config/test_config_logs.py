"""Logs: private files, bounded size, collapsed repeats, and no key in any part of a record."""

from __future__ import annotations

import logging
import os
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from monitor.config import Settings
from monitor.config.logs import (
    LOG_FILE_NAME,
    PrivateRotatingFileHandler,
    SecretFilter,
    redact,
    setup_logging,
)
from monitor.config.paths import log_dir
from tests.leakscan import assert_no_leak, make_canary


@pytest.fixture
def clean_root() -> Iterator[None]:
    """Undo setup_logging's changes to the process-wide logging state."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    old_umask = os.umask(0o022)
    yield
    os.umask(old_umask)
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    for h in handlers:
        for f in list(h.filters):
            if isinstance(f, SecretFilter):
                h.removeFilter(f)
    root.setLevel(level)
    logging.captureWarnings(False)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_log_dir_override_and_default(tmp_path: Path) -> None:
    assert log_dir({"DIALNEXA_MONITOR_LOG_DIR": str(tmp_path)}) == tmp_path
    assert "dialnexa-monitor" in str(log_dir({}))


def test_log_dir_is_0700_and_file_0600_under_umask_022(tmp_path: Path, clean_root: None) -> None:
    folder = tmp_path / "deep" / "logs"
    path = setup_logging(Settings(), environ={"DIALNEXA_MONITOR_LOG_DIR": str(folder)})
    assert path == folder / LOG_FILE_NAME
    assert mode(folder) == 0o700
    assert mode(path) == 0o600


def test_existing_loose_dir_and_file_are_tightened(tmp_path: Path, clean_root: None) -> None:
    tmp_path.chmod(0o755)
    (tmp_path / LOG_FILE_NAME).write_text("old\n")
    (tmp_path / LOG_FILE_NAME).chmod(0o644)
    path = setup_logging(Settings(), directory=tmp_path)
    assert mode(tmp_path) == 0o700 and mode(path) == 0o600


def test_rotated_files_stay_private_and_bounded(tmp_path: Path) -> None:
    os.umask(0o022)
    handler = PrivateRotatingFileHandler(tmp_path / "m.log", max_bytes=300, backup_count=2)
    log = logging.getLogger("test.rotate")
    log.propagate = False
    log.addHandler(handler)
    try:
        for i in range(200):
            log.warning("distinct line number %d with some padding to fill the file", i)
    finally:
        log.removeHandler(handler)
        handler.close()
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["m.log", "m.log.1", "m.log.2"]
    assert all(mode(f) == 0o600 for f in files)
    assert all(f.stat().st_size <= 400 for f in files)


def test_setup_twice_keeps_one_file_handler(tmp_path: Path, clean_root: None) -> None:
    setup_logging(Settings(), directory=tmp_path)
    setup_logging(Settings(log_level="DEBUG"), directory=tmp_path)
    ours = [h for h in logging.getLogger().handlers if isinstance(h, PrivateRotatingFileHandler)]
    assert len(ours) == 1
    assert logging.getLogger().level == logging.DEBUG


def read_log(path: Path) -> str:
    for h in logging.getLogger().handlers:
        h.flush()
    return path.read_text(encoding="utf-8")


def test_canary_key_never_reaches_the_log_file(tmp_path: Path, clean_root: None) -> None:
    key = make_canary()
    path = setup_logging(Settings(api_key=SecretStr(key)), directory=tmp_path)
    log = logging.getLogger("monitor.test")
    log.info("plain key %s", key)
    log.info(f"f-string key {key}")
    log.info("truncated repr %r", key[:20] + "..." + key[-4:])
    log.info("headers %s", {"Authorization": f"Bearer {key}", "accept": "json"})
    log.info("raw header line Authorization: Bearer %s", key)
    log.warning("GET https://user:%s@api.dialnexa.com/v1/calls?limit=1", key)
    log.warning("GET https://api.dialnexa.com/v1/calls?api_key=%s&limit=1", key)
    log.info("extra field", extra={"token": key})
    log.info("stack", stack_info=True)
    logging.getLogger("httpx").warning("httpx says Bearer %s", key)

    def poller(api_key: str) -> None:
        headers = {"Authorization": f"Bearer {api_key}"}
        raise RuntimeError(f"request failed with headers {headers}")

    try:
        poller(key)
    except RuntimeError:
        log.exception("poll failed for key %s", key)
    try:
        try:
            poller(key)
        except RuntimeError as inner:
            raise ValueError(key) from inner
    except ValueError:
        log.error("chained", exc_info=True)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"warning that mentions {key}", UserWarning, stacklevel=1)
    text = read_log(path)
    assert "poll failed for key [redacted]" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: request failed" in text
    assert "[redacted]" in text
    assert_no_leak(text, key)


def test_key_loaded_after_setup_can_be_added(tmp_path: Path, clean_root: None) -> None:
    key = "zz_custom_format_key_0123456789"
    path = setup_logging(Settings(), directory=tmp_path)
    handler = next(
        h for h in logging.getLogger().handlers if isinstance(h, PrivateRotatingFileHandler)
    )
    next(f for f in handler.filters if isinstance(f, SecretFilter)).add_secret(key)
    logging.getLogger("monitor.test").error("key %s", key)
    assert_no_leak(read_log(path), key)


def test_filter_is_added_to_handlers_already_on_the_root(
    tmp_path: Path, clean_root: None, caplog: pytest.LogCaptureFixture
) -> None:
    key = make_canary()
    setup_logging(Settings(api_key=SecretStr(key)), directory=tmp_path)
    with caplog.at_level(logging.INFO):
        logging.getLogger("monitor.test").info("key %s", key)
    assert_no_leak(caplog.text, key)


def test_repeated_identical_lines_are_collapsed(tmp_path: Path, clean_root: None) -> None:
    path = setup_logging(Settings(), directory=tmp_path)
    log = logging.getLogger("monitor.poll")
    for _ in range(1200):
        log.error("API unreachable (connection refused by api.dialnexa.com)")
    log.info("API reachable again")
    text = read_log(path)
    assert text.count("API unreachable") == 1
    assert "… previous message repeated 1,199 times" in text
    assert text.index("repeated 1,199") < text.index("reachable again")


def test_long_repetition_writes_a_periodic_summary(tmp_path: Path) -> None:
    handler = PrivateRotatingFileHandler(tmp_path / "m.log", summary_every_s=600)
    t0 = 1_800_000_000.0
    for i in range(24 * 60 * 12):  # one day of errors every 5 s
        record = logging.makeLogRecord(
            {
                "name": "poll",
                "levelno": 40,
                "levelname": "ERROR",
                "msg": "down",
                "created": t0 + 5 * i,
            }
        )
        handler.handle(record)
    handler.close()
    lines = (tmp_path / "m.log").read_text().splitlines()
    assert 140 <= len(lines) <= 150  # one line every 10 min, not 17,280
    assert sum(1 for line in lines if "repeated" in line) == len(lines) - 1


def test_unformattable_record_is_kept_without_its_arguments() -> None:
    record = logging.makeLogRecord({"msg": "value %d", "args": ("not a number",)})
    assert SecretFilter().filter(record)
    assert record.getMessage() == "value %d (unformattable arguments)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: [redacted]"),
        ("{'authorization': 'Bearer abc'}", "{'authorization': '[redacted]'}"),
        ("sent bearer tok_123456", "sent bearer [redacted]"),
        ("key dnx_test_abcdef123 used", "key [redacted] used"),
        ("https://bob:pw@host/v1", "https://[redacted]@host/v1"),
        ("/calls?limit=1&token=abc#x", "/calls?limit=1&token=[redacted]#x"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_masks_fragments_of_known_secrets() -> None:
    key = "k3y_id:Sup3rS3cretValue_9876"
    out = redact(f"truncated {key[:12]}...{key[-8:]} and whole {key}", [key])
    assert_no_leak(out, key, allow_last4=True)
    assert redact("demo key is demo", ["demo"]) == "demo key is demo"  # too short to be a key


@settings(max_examples=60, deadline=None)
@given(before=st.text(max_size=40), after=st.text(max_size=40), cut=st.integers(0, 30))
def test_redact_never_lets_a_fragment_through(before: str, after: str, cut: int) -> None:
    key = "dnx_live_CANARYq8Zr2Lk5Vb7Nm1Xc4Jh6Tw9P"
    text = before + key[cut:] + after
    assert_no_leak(redact(text, [key]), key, allow_last4=True)


def test_redact_is_idempotent() -> None:
    key = make_canary()
    text = (
        f"{{'Authorization': 'Bearer {key}'}} https://u:{key}@h/?token={key} "
        f"{key[:12]}...{key[-4:]}"
    )
    once = redact(text, [key])
    assert redact(once, [key]) == once
    assert "]]" not in once
    assert_no_leak(once, key)


def test_terminal_handlers_are_removed_while_the_ui_owns_the_screen(
    tmp_path: Path, clean_root: None
) -> None:
    import sys

    terminal = logging.StreamHandler(sys.stderr)
    logging.getLogger().addHandler(terminal)
    setup_logging(Settings(), directory=tmp_path)
    assert terminal not in logging.getLogger().handlers
    logging.getLogger().addHandler(terminal)
    setup_logging(Settings(), directory=tmp_path, keep_terminal=True)
    assert terminal in logging.getLogger().handlers
    assert any(isinstance(f, SecretFilter) for f in terminal.filters)
