"""A stop (`kill -TSTP`, Ctrl+Z) or a continue (`fg`) that lands while the main thread is in the
middle of a write is answered after it, from the app's loop: Textual's handlers stop and start
the driver's threads, and run where the signal landed, inside `FrameWriter.write` holding the
writer's lock, they waited for a thread that waited for that lock (CI: the monitor never
stopped; py-spy showed the handler under `Condition.notify`). End to end on a real pty:
`tests/faults/test_suspend_pty.py`."""

from __future__ import annotations

import asyncio
import signal
import threading

import pytest
from textual.app import App
from textual.drivers import linux_driver

from monitor.ui.driver import QuickEscapeDriver


async def test_a_stop_and_a_continue_landing_in_a_write_wait_for_the_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}
    sent: list[int] = []
    # The driver's real SIGSTOP would stop this test run: it is kept instead.
    monkeypatch.setattr(linux_driver.os, "kill", lambda _pid, signum: sent.append(signum))
    drv = QuickEscapeDriver(App())
    held = threading.RLock()  # stands for the writer's lock, held by a write in progress
    seen: list[tuple[str, bool]] = []

    def lock_free() -> bool:
        """Whether another thread (the writer's) could take the lock now."""
        got: list[bool] = []

        def try_it() -> None:
            got.append(held.acquire(blocking=False))
            if got[0]:
                held.release()

        other = threading.Thread(target=try_it)
        other.start()
        other.join()
        return got[0]

    monkeypatch.setattr(drv, "suspend_application_mode", lambda: seen.append(("stop", lock_free())))
    monkeypatch.setattr(drv, "resume_application_mode", lambda: seen.append(("go", lock_free())))
    try:
        with held:
            signal.raise_signal(signal.SIGTSTP)
            signal.raise_signal(signal.SIGCONT)
            answered_inside = list(seen)
        for _ in range(20):
            if len(seen) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        drv.close()
        loop = asyncio.get_running_loop()
        for signum, handler in saved.items():  # this run's own handlers come back
            loop.remove_signal_handler(signum)
            signal.signal(signum, handler)
    assert answered_inside == [], "a signal was answered inside the write"
    assert seen == [("stop", True), ("go", True)]
    assert sent == [signal.SIGSTOP]  # the stop itself still happens, after the suspend
