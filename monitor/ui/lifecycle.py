"""`LifecycleApp`: how the monitor starts its feed, survives it dying, and ends: on a signal
(SIGTERM, SIGHUP when an SSH session drops, SIGINT) with status 128 + its number, closing the
feed and the HTTP client once, and on a bug with a short report instead of Textual's traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on, work
from textual.app import App
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from monitor.config.logs import current_log_file
from monitor.feeds.base import Feed
from monitor.ui.crash import crash_report
from monitor.ui.gchold import MIN_TIMER_S, CollectionHold

log = logging.getLogger("monitor.ui.app")

FEED_RESTART_S = 5.0
"""If the feed's worker ever dies (it should not), it is restarted after this long."""


class LifecycleApp(App[int]):
    """The start, the restarts and the end of the app, and the collector held while a key is
    answered; `MonitorApp` sets the attributes."""

    feed: Feed
    _closers: list[Callable[[], Awaitable[None]]]
    _ended: bool
    """The monitor let its feed and closers go (not Textual's `_closed`, the message pump's:
    set on the app, it stopped the app's message loop and kept `_close_messages` from stopping
    its timers)."""
    _unsubscribe: Callable[[], None] | None
    collection_hold: CollectionHold
    _collection_timer: Timer | None

    def _hold_collection(self, due: float | None) -> None:
        if due is not None and self._collection_timer is None and not self._ended:
            wait = max(due, MIN_TIMER_S)
            self._collection_timer = self.set_timer(wait, self._release_collection, name="gc-hold")

    def _collection_backstop(self) -> None:
        # Textual's one-shot timer found already late when it starts (a busy loop, another
        # thread holding the interpreter) skips its only tick and never calls back: the
        # clock's second gives collection back if a hold's timer was lost.
        if self.collection_hold.holding:
            if self._collection_timer is not None:
                self._collection_timer.stop()
            self._release_collection()

    def _release_collection(self) -> None:
        self._collection_timer = None
        self._hold_collection(self.collection_hold.release())

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._on_signal, signum)

    def _on_signal(self, signum: int) -> None:
        log.info("exiting on signal %d", signum)
        self.call_next(self._quit_with, 128 + signum)

    async def _quit_with(self, status: int) -> None:
        await self._close()
        self.exit(return_code=status)

    async def on_unmount(self) -> None:
        await self._close()

    async def _close(self) -> None:
        if self._ended:
            return
        self._ended = True
        self.collection_hold.end()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.feed.stop()
        for closer in self._closers:
            try:
                await closer()
            except Exception:  # closing is best effort; never a traceback on the way out
                log.warning("closing failed", exc_info=True)

    def _handle_exception(self, error: Exception) -> None:
        """A bug (an exception no handler caught) ends the app, as in Textual, which records it
        (exit status 1; Pilot re-raises it), but the terminal gets a short report instead of
        Textual's traceback, which prints every frame's local variables: a local holding the
        key would be on the screen and in a pasted bug report (FAULTS H5, S9). The whole
        traceback goes to the log, where the secret filter masks it."""
        log.critical("internal error, exiting", exc_info=error)
        shown = len(self._exit_renderables)
        super()._handle_exception(error)
        self._exit_renderables[shown:] = [Text(crash_report(error, current_log_file()))]

    @work(exclusive=True, group="feed", exit_on_error=False)
    async def run_feed(self) -> None:
        await self.feed.run()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "feed" or event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        # The type only: an exception's text could quote a URL or a header.
        log.error("feed stopped: %s", type(error).__name__)
        self.notify(
            f"Polling stopped ({type(error).__name__}); restarting in {FEED_RESTART_S:.0f}s.",
            severity="error",
            markup=False,
        )
        if not self._ended:
            self.set_timer(FEED_RESTART_S, self.run_feed)
