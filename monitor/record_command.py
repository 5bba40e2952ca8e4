"""`--record` and the headless `record` command (issue 17): the wiring of the recorder.

`--record [PATH]` (or `record = true` in the config file) wraps the live feed in a
`RecordingFeed`; `record [PATH] [--duration S]` runs the engine without a screen and records
until the duration is over or a signal comes (SIGINT, SIGTERM, SIGHUP: exit 0 after the queue
is written). A recording that cannot be opened is one sentence on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_USAGE = 2


def recording_path(args: argparse.Namespace, settings: Any) -> Path:
    """The flag's path, else the config file's, else the user data directory's."""
    from monitor.config.record import default_recording_path

    given = getattr(args, "record", None) or getattr(args, "path", None)
    if given:
        return Path(given).expanduser()
    configured: Path | None = settings.record.path
    return configured.expanduser() if configured is not None else default_recording_path()


def open_recorder(path: Path, settings: Any, *, on_fail: Any = None) -> Any:
    """A started `SnapshotRecorder`, or the `RecordingError` that says why not."""
    from monitor.feeds.recorder import SnapshotRecorder
    from monitor.feeds.recording import RecordingError

    try:
        return SnapshotRecorder.open(
            path,
            keep_days=settings.record.keep_days,
            max_mb=settings.record.max_mb,
            on_fail=on_fail,
        )
    except RecordingError as exc:
        return exc


def recorder_for_monitor(args: argparse.Namespace, settings: Any, feed: Any) -> Any:
    """The live feed, recorded when `--record` or `[record] enabled` asks; exit 2 when the
    file cannot be used."""
    from monitor.alerts_wiring import alerts_for
    from monitor.feeds.recorder import RecordingFeed
    from monitor.feeds.recording import RecordingError

    if getattr(args, "record", None) is None and not settings.record.enabled:
        # Not recording: the alerts (if any) and the events pane still watch a snapshot a
        # second.
        return watched(RecordingFeed(feed, None), alerts_for(settings, None, None))
    from monitor.resume import resume_history

    path = recording_path(args, settings)
    resume_history(path, feed)
    recorder = open_recorder(path, settings)
    if isinstance(recorder, RecordingError):
        print(str(recorder), file=sys.stderr)
        return EXIT_USAGE
    return watched(RecordingFeed(feed, recorder), alerts_for(settings, recorder, None))


def watched(feed: Any, wiring: Any) -> Any:
    """`feed` (a `RecordingFeed`) with the alerts watching its snapshots, each alert event
    also a line of its events pane."""
    if wiring is not None:
        feed.on_snapshot = wiring
        log = feed.event_log
        wiring.listeners.append(lambda e: log.add_alert(e.kind, e.subject, e.state, e.at, e.detail))
    return feed


def run_record(args: argparse.Namespace) -> int:
    """Headless: the engine without a screen, every second's snapshot into the recording."""
    from monitor.feeds import LiveFeed
    from monitor.feeds.recorder import RecordingFeed
    from monitor.feeds.recording import RecordingError
    from monitor.main import build_engine

    wiring = build_engine(args)
    if isinstance(wiring, int):
        return wiring
    settings, client, engine, _notes = wiring
    path = recording_path(args, settings)
    live = LiveFeed(engine)
    from monitor.resume import resume_history

    resume_history(path, live)

    def failed(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    recorder = open_recorder(path, settings, on_fail=failed)
    if isinstance(recorder, RecordingError):
        print(str(recorder), file=sys.stderr)
        return EXIT_USAGE
    from monitor.alerts_wiring import alerts_for

    jsonl = sys.stdout if getattr(args, "alerts", None) == "jsonl" else None
    feed = watched(RecordingFeed(live, recorder), alerts_for(settings, recorder, jsonl))
    print(f"Recording to {path} (Ctrl+C stops).", file=sys.stderr, flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop.set)
        task = asyncio.create_task(feed.run())
        duration = getattr(args, "duration", None)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
        feed.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await client.aclose()

    try:
        asyncio.run(main())
    finally:
        feed.close()
    writer = recorder.writer
    print(
        f"Recorded {writer.written} frames to {path}"
        + (f" ({writer.dropped} dropped: the disk was slower)" if writer.dropped else "")
        + ".",
        file=sys.stderr,
    )
    return EXIT_OK


def add_record_arguments(sub: Any, common: Any, sim_world: Any) -> None:
    """The `record` subcommand's flags (cli.py builds the parser)."""
    rec = sub.add_parser(
        "record",
        allow_abbrev=False,
        help="record the monitor's data to a file, without a screen",
        description="Run the monitor headless and record a snapshot a second to PATH (default: "
        "recording.sqlite in the user data directory). Replay it with `replay PATH`.",
    )
    common(rec, sub=True)
    rec.add_argument("path", nargs="?", metavar="PATH", help="the recording's file")
    rec.add_argument(
        "--duration", type=float, metavar="S", help="stop after S seconds (default: a signal)"
    )
    rec.add_argument(
        "--alerts",
        choices=["jsonl"],
        help="print one JSON line per alert event (fired, cleared) on stdout",
    )
    rec.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,  # `--demo record` and `record --demo` both work
        help="record the embedded simulator instead of the API",
    )
    sim_world(rec)


__all__ = [
    "add_record_arguments",
    "recorder_for_monitor",
    "recording_path",
    "run_record",
]
