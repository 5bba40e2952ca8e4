"""`replay PATH` and `snapshot --from PATH --at TIME` (issue 17): a recording read back.

Every way a recording can be unusable (not SQLite, another SQLite file, a newer schema,
truncated, locked, empty) is one sentence on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_USAGE = 2


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def run_snapshot_from(args: argparse.Namespace) -> int:
    """The recorded moment at or before `--at` (default: the last) as JSON on stdout, or with
    `--format table` as the table a direct `snapshot` prints."""
    from monitor.feeds.recorder import snapshot_from_parts
    from monitor.feeds.recording import RecordingError, RecordingReader
    from monitor.feeds.replay import parse_when

    path = Path(args.from_path).expanduser()
    try:
        reader = RecordingReader(path)
        span = reader.span()
        if span is None:
            return _fail(f"The recording {path} is empty: nothing was recorded yet.")
        try:
            when = parse_when(args.at, day=span[1]) if args.at else float("inf")
        except ValueError as exc:
            return _fail(f"--at {exc}")
        frame = reader.at(min(when, span[1]))
        if frame is None:
            return _fail(
                f"Nothing was recorded at or before {_iso(when)}: the recording {path} spans "
                f"{_iso(span[0])} to {_iso(span[1])}."
            )
        snap = snapshot_from_parts(frame.parts)
    except RecordingError as exc:
        return _fail(str(exc))
    except ValueError as exc:  # a part that does not parse as a snapshot
        return _fail(f"Cannot use the recording {path}: a frame does not read back ({exc}).")
    if getattr(args, "format", "json") == "table":
        # The table a direct `snapshot --format table` prints, from the recorded moment.
        from monitor.relay_table import snapshot_report
        from monitor.snapshot_table import render_table

        print(render_table(snapshot_report(snap, str(path))))  # "... at T from PATH"
        return EXIT_OK
    doc: dict[str, Any] = {"at": _iso(frame.at), "recording": str(path)}
    doc.update(json.loads(snap.model_dump_json()))
    print(json.dumps(doc, indent=2, ensure_ascii=False))
    return EXIT_OK


def run_replay(args: argparse.Namespace) -> int:
    """Play a recording through the live monitor's screens."""
    from monitor.feeds.recording import RecordingError, RecordingReader
    from monitor.feeds.replay import ReplayFeed, parse_when

    path = Path(args.path).expanduser()
    try:
        feed = ReplayFeed(RecordingReader(path), speed=args.speed)
        if getattr(args, "at", None):
            feed.go_to(parse_when(args.at, day=feed.end))
    except RecordingError as exc:
        return _fail(str(exc))
    except ValueError as exc:
        return _fail(f"--at {exc}")
    from monitor.ui.colors import color_system
    from monitor.ui.replay import ReplayApp

    with color_system(getattr(args, "colors", None) or "auto"):
        app = ReplayApp(
            feed,
            handle_signals=True,
            startup_notes=[
                f"Replaying {path} from {_iso(feed.start)} to {_iso(feed.end)} (times UTC): "
                "p pause, +/- speed, [ ] seek 1 min, { } seek 10 min, g go to, e events, q quits."
            ],
        )
    try:
        app.run()
    except RecordingError as exc:  # the file went bad while playing
        return _fail(str(exc))
    return EXIT_OK if app.return_code is None else app.return_code


def add_replay_arguments(sub: Any) -> None:
    rep = sub.add_parser(
        "replay",
        allow_abbrev=False,
        help="play a recording through the monitor's screens",
        description="Play a recording (from --record or `record`) through the live screens. "
        "Keys: p pause/play, + and - speed (1x to 60x), [ and ] seek one minute back and "
        "forward, { and } ten minutes, g goes to a time (10:02 UTC, ISO 8601, -10m); e lists the "
        "events marked up to the instant shown; Enter drills down as live; q quits.",
    )
    rep.add_argument("path", metavar="PATH", help="the recording's file")
    rep.add_argument(
        "--at", metavar="TIME", help="start at TIME (ISO 8601, 10:02 UTC on the last day, -10m)"
    )
    rep.add_argument(
        "--speed", type=float, default=1.0, help="recorded seconds per second (1 to 60)"
    )
    from monitor.cli import add_colors_flag

    add_colors_flag(rep)


def add_snapshot_from_arguments(snap: argparse.ArgumentParser) -> None:
    snap.add_argument(
        "--from",
        dest="from_path",
        metavar="PATH",
        help="read a recording instead of the API: the moment at or before --at",
    )
    snap.add_argument(
        "--at",
        metavar="TIME",
        help="with --from: ISO 8601 (2026-12-03T10:02:00Z), a UTC clock time on the recording's "
        "last day (10:02), or before now (-10m); default the last recorded moment",
    )


__all__ = [
    "add_replay_arguments",
    "add_snapshot_from_arguments",
    "run_replay",
    "run_snapshot_from",
]
