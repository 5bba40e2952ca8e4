"""FAULTS S9 at the screen: a forced unhandled exception with the canary key loaded.

The real app under Pilot on the real engine and client, the simulator over loopback, one fake
clock (`screen_harness.screen_drill`), logging set up as `run_monitor` does it (the private log
file, the secret filter on every handler). The simulator has no fault that makes the monitor's
own code raise (every catalogue fault is handled), so the exception is injected with
monkeypatch, the worst kind for a leak: raised from a frame with a local holding the key
(FAULTS H5: Textual's exit traceback prints every frame's locals) and with the key in its
message (an exception quoting a header).

- In a poller (the endings list): the app keeps running and answering keys; the poller's pane
  is shown STALE with its age while the rest stays fresh; the poller is retried with backoff, not
  in a hot loop; fresh again once the bug is gone.
- In a message handler (the `r` key's action): the app exits with status 1, closes the client,
  and the terminal gets a one-paragraph report (type, file, line, function; where the log is)
  instead of Textual's traceback with locals; the log has the traceback, masked.

Scanned for the canary (`tests/leakscan.py`): every screen looked at, the ANSI frame, SVG
screenshots, notifications, the status line all along, stdout and stderr (fd level), the log
file and the captured log records.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from pydantic import SecretStr

import monitor.polling.endings as endings_module
from monitor.config import Settings
from monitor.config.logs import MASK, SecretFilter, setup_logging
from monitor.ui.screens.dashboard import DashboardScreen
from tests.envfix import utc_and_private_dirs
from tests.faults.screen_harness import keys_without_idle_waits, screen_drill, sim_for
from tests.leakscan import assert_no_leak

pytestmark = pytest.mark.timeout(60)

_utc_and_private_dirs = pytest.fixture(autouse=True)(utc_and_private_dirs)
_keys_without_idle_waits = pytest.fixture(autouse=True)(keys_without_idle_waits)


@pytest.fixture
def production_logging(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """`setup_logging` with the key loaded, as `run_monitor` calls it; undone afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    def setup(key: str) -> Path:
        return setup_logging(Settings(api_key=SecretStr(key)), directory=tmp_path / "logs")

    yield setup
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        for f in list(handler.filters):
            if isinstance(f, SecretFilter):
                handler.removeFilter(f)
    root.setLevel(level)
    logging.captureWarnings(False)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _bug(key: str, where: str) -> NoReturn:
    api_key = key  # a local holding the key when the exception is raised (FAULTS H5)
    raise RuntimeError(f"{where} bug while holding Authorization: Bearer {api_key}")


async def test_screen_S9_a_poller_raises_with_the_key_loaded(
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    production_logging: Callable[[str], Path],
) -> None:
    clock, sim, key = sim_for("small")
    log_file = production_logging(key)
    caplog.set_level(logging.DEBUG, logger="monitor")
    async with screen_drill(sim=(clock, sim, key), warmup_s=30) as d:
        assert d.status.api.startswith("API ok"), d.status
        assert not d.age_of("concurrency")[0], d.status
        calls: list[float] = []
        healthy = endings_module.fetch_recent_endings

        async def endings_bug(*args: Any, **kwargs: Any) -> NoReturn:
            calls.append(d.now)
            _bug(key, "endings poller")

        monkeypatch.setattr(endings_module, "fetch_recent_endings", endings_bug)
        t0 = d.now
        interval = d.store.freshness["endings"].expected_interval_s
        # Stale once two intervals are missed (+1 s), as after any failing poll.
        took = await d.until(lambda: d.age_of("concurrency")[0], 2 * interval + 3)
        assert took is not None, f"the failing poller's pane never went STALE: {d.status}"
        await d.run_for(60, draw_every=5)
        d.alive()
        assert len(calls) >= 2, "the failing poller was not retried"
        gaps = [b - a for a, b in itertools.pairwise(calls)]
        assert min(gaps) >= 1.0, f"retried in a hot loop: {gaps}"
        assert len([t for t in calls if t >= d.now - 60]) <= 12, calls
        assert d.status.api.startswith("API ok"), "a bug in the monitor is not the API's health"
        # The campaigns' counts ride on the endings too (issue 14): only the active list
        # is untouched by this poller's bug.
        assert not d.age_of("active")[0], d.status
        assert "STALE" in d.pane_border("concurrency"), d.pane_border("concurrency")
        await d.responsive()
        assert isinstance(d.app.screen, DashboardScreen)

        monkeypatch.setattr(endings_module, "fetch_recent_endings", healthy)
        back = await d.until(lambda: not d.age_of("concurrency")[0], 60, draw_every=2)
        assert back is not None, f"not fresh after the bug was gone: {d.status}"
        assert calls[0] >= t0
        log_text = log_file.read_text(encoding="utf-8")
        leaks = d.leaks(log_text, caplog.text)
    out, err = capfd.readouterr()
    # The scans first, with masked messages: a failure must not print the canary itself.
    assert not leaks, f"{len(leaks)} canary fragment(s) on screen or in the logs"
    assert_no_leak(out + err, key)
    assert "poller endings failed" in log_text and "RuntimeError" in log_text, log_text[-2000:]
    assert MASK in log_text, "the key in the exception was not there to be masked"


async def test_screen_S9_a_message_handler_raises_with_the_key_loaded(
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    production_logging: Callable[[str], Path],
) -> None:
    clock, sim, key = sim_for("small")
    log_file = production_logging(key)
    caplog.set_level(logging.DEBUG, logger="monitor")
    with pytest.raises(RuntimeError, match="handler bug"):
        async with screen_drill(sim=(clock, sim, key), warmup_s=30, expect_exit=True) as d:
            assert d.status.api.startswith("API ok"), d.status

            def refresh_bug() -> NoReturn:
                _bug(key, "handler")

            monkeypatch.setattr(d.engine, "refresh_now", refresh_bug)
            d.look()
            await d.pilot.press("r")  # MonitorApp.action_refresh_now calls engine.refresh_now
            stopped = await d.settle(lambda: not d.app.is_running, turns=200)
            assert stopped, "the app kept running after an unhandled exception"
            screens = "\n".join(d.screens)
    out, err = capfd.readouterr()
    log_text = log_file.read_text(encoding="utf-8")
    # The scans first, with masked messages: a failure must not print the canary itself.
    for text in (out + err, screens, log_text, caplog.text):
        assert_no_leak(text, key)
    assert d.app.return_code == 1
    assert d.engine.client._http.is_closed, "the HTTP client was not closed on the way out"
    report = " ".join(err.split())
    assert re.search(
        r"DialNexa Monitor stopped on an internal error: RuntimeError at "
        r"tests/faults/test_fault_screen_crash\.py:\d+ in _bug\. This is a bug in the monitor",
        report,
    ), err
    # Rich wraps the paragraph at the console's width, a long path included.
    assert "".join(f"is in {log_file}".split()) in "".join(err.split()), err
    assert "Traceback" not in err and "locals" not in err, err
    assert "internal error, exiting" in log_text and "Traceback" in log_text, log_text[-2000:]
    assert "refresh_bug" in log_text, "the log's traceback does not say where"
    assert MASK in log_text


async def test_screen_S9_a_poller_bug_is_named_on_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock, sim, key = sim_for("small")
    async with screen_drill(sim=(clock, sim, key), warmup_s=20) as d:

        async def endings_bug(*args: Any, **kwargs: Any) -> NoReturn:
            _bug(key, "endings poller")

        monkeypatch.setattr(endings_module, "fetch_recent_endings", endings_bug)
        # Longer than the endings poller's longest interval (30 s while nothing changes, +10%
        # jitter): on `small` it may have just run, and 25 s was luck of the jitter's draws.
        await d.run_for(35, draw_every=5)
        shown = "\n".join([d.look(), d.notifications(), d.status.api, d.status.ages])
        assert re.search(r"(?i)\berror\b", shown), shown
        # In words, by its type only (the exception's text holds the key), and once, not at
        # every retry of the poller.
        notes = d.notifications()
        assert notes.count("Internal error while reading endings (RuntimeError)") == 1, notes
        assert key[:12] not in shown and key[-6:] not in shown
        assert d.status.api.startswith("API ok"), d.status  # not the API's fault
