"""Command line: the live monitor, `snapshot`, `sim` and `config`.

argparse handles flags only; layered settings (file, env, flags) live in `monitor.config`.
No flag takes the API key's value: a key on the command line shows in `ps` to every user of a
shared jump host (FAULTS S1). Handlers are imported lazily so `snapshot` and `sim` never pay for
importing Textual.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor import __version__
from monitor.cli_relay import add_relay_parser, add_source_flags, dispatch

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_PIPE = 128 + signal.SIGPIPE
"""The reader of our output went away (`config show | head -2`): what a shell reports for a
program that SIGPIPE ended, without the traceback."""

SCENARIOS = ("small", "busy", "huge", "many8", "many50", "many200", "anomalies")
"""The simulator's scenarios (monitor.sim.scenarios.SCENARIOS; a test keeps them equal), here
so argparse refuses a wrong one with exit 2 before anything is imported."""

KEY_HELP = (
    "The API key is read from DIALNEXA_API_KEY, from a key file (--api-key-file or api_key_file "
    "in the config file, mode 0600; '--api-key-file -' reads it from stdin), or from the system "
    "keyring; never from a flag."
)


def _common(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
    # On subcommands the default must not overwrite a value given before the subcommand.
    default = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--base-url", default=default, help="API base URL (default https://api.dialnexa.com/v1)"
    )
    parser.add_argument(
        "--profile", default=default, help="config profile ([profiles.NAME] in the config file)"
    )
    parser.add_argument(
        "--api-key-file",
        type=Path,
        default=default,
        help="file holding the API key (must be mode 0600); '-' reads it from stdin",
    )


def _sim_world(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        default="busy",
        choices=SCENARIOS,
        help="small, busy (default), huge, or many8/many50/many200 (that many campaigns)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same history)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    parser.add_argument(
        "--faults", default="", help="comma-separated fault ids to switch on at start"
    )


def build_parser() -> argparse.ArgumentParser:
    # No abbreviations: `--api-key KEY` must not be taken for `--api-key-file KEY` (FAULTS S1).
    parser = argparse.ArgumentParser(
        prog="dialnexa-monitor",
        allow_abbrev=False,
        description="Live terminal monitor for DialNexa calling campaigns. " + KEY_HELP,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(parser)
    parser.add_argument(
        "--demo", action="store_true", help="monitor the embedded simulator; no key needed"
    )
    _sim_world(parser)
    parser.add_argument(
        "--no-tick", action="store_true", help="do not tick durations every second (slow links)"
    )
    add_colors_flag(parser)
    parser.add_argument(
        "--reset-view",
        action="store_true",
        help="start with every table's default sort and no filter (forgets the saved ones)",
    )
    add_source_flags(parser)  # the relay (issue 18)
    _record_flag(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    snap = sub.add_parser(
        "snapshot",
        allow_abbrev=False,
        help="read the data once, print it and exit",
        description="One read of the monitor's data, for scripts. " + KEY_HELP,
    )
    _common(snap, sub=True)
    snap.add_argument("--call", metavar="ID", help="that call and its retry history")
    snap.add_argument(
        "--campaign", metavar="ID", action="append", default=[], help="campaign counts (repeatable)"
    )
    snap.add_argument("--format", choices=["json", "table"], default="json")
    snap.add_argument(
        "--wait",
        action="store_true",
        help="whole dashboard: read every campaign's history within the rate budget, however "
        "long it takes (progress on stderr), instead of one round",
    )
    snap.add_argument(
        "--demo", action="store_true", help="read the embedded simulator instead of the API"
    )
    _sim_world(snap)
    add_source_flags(snap, sub=True)  # the relay (issue 18)
    add_relay_parser(sub, _common, _sim_world)
    _snapshot_from_flags(snap)

    sim = sub.add_parser(
        "sim",
        allow_abbrev=False,
        help="serve the simulator on 127.0.0.1",
        description="Serve the DialNexa simulator on loopback. The first line on stdout is its "
        "base URL. It accepts the key in DIALNEXA_API_KEY, or 'demo' when that is unset.",
    )
    sim.add_argument("--port", type=int, default=8787, help="port (0 = any free port)")
    _sim_world(sim)
    sim.add_argument(
        "--dialect", default="mixed", help="canonical, mixed (default) or openapi spellings"
    )
    sim.add_argument(
        "--webhook", metavar="URL", help="post a signed webhook delivery for every call event"
    )
    sim.add_argument(
        "--webhook-secret-file",
        metavar="FILE",
        type=Path,
        help="the signing secret (owner-only file; or DIALNEXA_WEBHOOK_SECRET)",
    )
    sim.add_argument(
        "--webhook-faults",
        metavar="SPEC",
        default="",
        help="delivery faults, e.g. drop=0.05,dup=0.1,reorder=0.1,delay=0.1,badsig=0.02",
    )

    cfg = sub.add_parser(
        "config", allow_abbrev=False, help="show where settings come from, or check them"
    )
    _common(cfg, sub=True)
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    cfg_sub.add_parser("path", help="print the config file's path")
    # The flags after the action too (`config check --base-url URL`), as `snapshot` takes them.
    _common(
        cfg_sub.add_parser("show", help="every effective setting and where it came from"), sub=True
    )
    _common(
        cfg_sub.add_parser("check", help="validate the settings and try one authenticated GET"),
        sub=True,
    )
    _recorder_commands(sub)
    return parser


def add_colors_flag(parser: argparse.ArgumentParser) -> None:
    from monitor.ui.colors import COLOR_CHOICES

    parser.add_argument(
        "--colors",
        choices=COLOR_CHOICES,
        default=None,
        help="colours written: auto (from the terminal; default), 256 (about a fifth fewer "
        "bytes than 24-bit, for thin links) or truecolor",
    )


def _record_flag(parser: argparse.ArgumentParser) -> None:
    # Flight recorder (issue 17).
    parser.add_argument(
        "--record",
        nargs="?",
        const="",
        metavar="PATH",
        help="record while watching (default file: recording.sqlite in the user data "
        "directory; put --record last or give PATH before a command)",
    )


def _recorder_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Flight recorder (issue 17): `record`, `replay`, and `snapshot --from` (added below).
    from monitor.record_command import add_record_arguments
    from monitor.replay_command import add_replay_arguments

    add_record_arguments(sub, _common, _sim_world)
    add_replay_arguments(sub)


def _glue_relative_at(argv: Sequence[str]) -> list[str]:
    # `--at -10m`: argparse takes "-10m" for an option; glued as `--at=-10m` it is a value.
    out: list[str] = []
    items = iter(argv)
    for arg in items:
        if arg == "--at":
            value = next(items, None)
            if value is None:
                out.append(arg)
            elif value.startswith("-") and value[1:2].isdigit():
                out.append(f"--at={value}")
            else:
                out += [arg, value]
        else:
            out.append(arg)
    return out


def _snapshot_from_flags(snap: argparse.ArgumentParser) -> None:
    # Flight recorder (issue 17): `snapshot --from PATH --at TIME`.
    from monitor.replay_command import add_snapshot_from_arguments

    add_snapshot_from_arguments(snap)


ESCDELAY_MS = "25"
"""How long a lone Esc waits to be told from the start of an escape sequence: htop's 25 ms
(it calls ncurses' set_escdelay(25)) where Textual's default is 100 ms, which made Esc the
slowest key (p95 158 ms, issue 21). A key's bytes cross SSH in one packet, so a sequence split
over 25 ms is rare; a user who sees one can set ESCDELAY (milliseconds) higher."""


def tune_terminal_environment(environ: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """Before Textual is imported (it reads ESCDELAY once, at import): the monitor's Esc delay
    unless the user chose one."""
    environ.setdefault("ESCDELAY", ESCDELAY_MS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every path ends with a status, never a traceback for a closed pipe."""
    tune_terminal_environment()
    try:
        status = _main(argv)
        sys.stdout.flush()  # here, not at the interpreter's exit, where it cannot be caught
        return status
    except BrokenPipeError:
        # The idiom of the Python docs (signal module, "Note on SIGPIPE"): stdout's reader is
        # gone; point stdout at /dev/null so the interpreter's final flush does not raise
        # again, and exit as a SIGPIPE'd program would. SIG_DFL for SIGPIPE is not used: it
        # would kill the simulator's server whenever a client hung up.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(_glue_relative_at(sys.argv[1:] if argv is None else argv))
    try:
        relayed = dispatch(args)  # the relay (issue 18): `relay`, `snapshot --source`
        if relayed is not None:
            return relayed
        if args.command == "snapshot" and getattr(args, "from_path", None):
            from monitor.replay_command import run_snapshot_from

            return run_snapshot_from(args)
        if args.command == "replay":
            from monitor.replay_command import run_replay

            return run_replay(args)
        if args.command == "snapshot":
            from monitor.snapshot import run_snapshot

            return run_snapshot(args)
        if args.command == "sim":
            from monitor.sim.serve import run_sim

            return run_sim(args)
        if args.command == "record":
            from monitor.record_command import run_record

            return run_record(args)
        if args.command == "config":
            from monitor.config.command import run_config

            return run_config(args)
        from monitor.main import run_monitor

        return run_monitor(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
