"""The entry's wiring: settings, then the client (or the simulator's transport for --demo),
the engine, the feed around it, and the consumer (the UI); exit codes.

`monitor.ui` imports none of the API client, the polling engine or the simulator: it gets a
`Feed` from here.

Exit status: 0 when the user quits; 2 for a configuration problem (no key, bad config), with
one paragraph on stderr and no traceback; 128 + N after signal N (SIGTERM 143, SIGHUP 129: an
SSH session dropped), after a clean shutdown; 1 after a bug (an unhandled exception), with a
one-paragraph report on stderr and the traceback, masked, in the log. The API being down is never
a reason to exit.
Logging goes to a private file (monitor.config.logs), never to the terminal the UI draws on.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NamedTuple

EXIT_OK = 0
EXIT_USAGE = 2
PREPARE_SCREENS_AFTER_S = 0.5
"""After the first data is drawn, the call screen is composed ahead of the first Enter
(`monitor.ui.navigation`)."""


class Wiring(NamedTuple):
    settings: Any
    client: Any
    engine: Any
    notes: list[str]


def _usage(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def build_engine(args: argparse.Namespace) -> Wiring | int:
    """Settings, client and engine from the command line (shared by the live monitor and the
    headless recorder); an exit status when the configuration cannot work."""
    from pydantic import SecretStr

    from monitor.api.client import DialNexaClient
    from monitor.config import ConfigError, load_settings, require_api_key
    from monitor.config.logs import setup_logging
    from monitor.polling.engine import Engine

    demo = bool(getattr(args, "demo", False))
    overrides: dict[str, Any] = {"base_url": getattr(args, "base_url", None)}
    if getattr(args, "no_tick", False):
        overrides["tick"] = False
    if getattr(args, "colors", None):
        overrides["colors"] = args.colors
    import os

    from monitor.config import CONFIG_PATH_ENV, Settings

    notes: list[str] = []

    def load(environ: dict[str, str] | None = None) -> Settings:
        return load_settings(
            overrides=overrides,
            profile=getattr(args, "profile", None),
            api_key_file=getattr(args, "api_key_file", None),
            load_key=not demo,
            environ=environ,
        )

    try:
        settings = load()
    except ConfigError as exc:
        try:
            without_file = load({**os.environ, CONFIG_PATH_ENV: os.devnull})
        except ConfigError as again:
            if demo or str(again) == str(exc):
                # Not the file's doing (a variable in the environment, a flag): leaving the
                # file out would not help, so it is not offered. The demo leaves the file
                # out anyway: what stops it is the error without the file.
                return _usage(str(again))
            without_file = None
        if not demo:
            return _usage(
                f"{exc} To run without the config file meanwhile: {CONFIG_PATH_ENV}=/dev/null "
                "dialnexa-monitor"
            )
        # The demo needs nothing from the file: a broken one is said, then left out.
        notes.append(f"--demo: the config file is ignored: {exc}")
        print(notes[-1], file=sys.stderr)
        assert without_file is not None
        settings = without_file

    from monitor.relay import redis_url  # the relay (issue 18): `--source redis://...`

    if not demo and (source := redis_url(args, settings)):
        from monitor.relay_view import run_relayed_monitor

        return run_relayed_monitor(args, settings, source, notes)

    transport = None
    base_url = settings.base_url
    key: SecretStr | None = settings.api_key
    if demo:
        from monitor.sim import Simulator

        try:
            sim = Simulator.create(
                scenario=args.scenario,
                seed=args.seed,
                speed=args.speed,
                faults=getattr(args, "faults", "") or (),
            )
        except (ValueError, KeyError) as exc:
            return _usage(f"--demo: {exc}")
        transport, base_url, key = sim.transport(), sim.base_url, SecretStr(sim.server.api_key)
        if settings.concurrency_cap is None:
            settings = settings.model_copy(update={"concurrency_cap": sim.world.cap})
    elif key is None:
        try:
            key = require_api_key(settings)  # the same words as `snapshot` and `config check`
        except ConfigError as exc:
            return _usage(str(exc))

    try:
        setup_logging(settings)
    except OSError as exc:
        return _usage(f"Cannot open the log file: {exc.strerror or exc}")

    client = DialNexaClient(base_url, key, transport=transport)
    return Wiring(settings, client, Engine(client, settings), notes)


def run_monitor(args: argparse.Namespace) -> int:
    """Run the live monitor until the user quits; return the exit status."""
    from monitor.feeds import LiveFeed

    wiring = build_engine(args)
    if isinstance(wiring, int):
        return wiring
    settings, client, engine, notes = wiring
    feed: Any = LiveFeed(engine)
    from monitor.record_command import recorder_for_monitor

    recorded = recorder_for_monitor(args, settings, feed)
    if isinstance(recorded, int):
        return recorded
    feed = recorded
    from monitor.ui.app import MonitorApp
    from monitor.ui.state_file import UiState

    ui_state = UiState.load()
    if getattr(args, "reset_view", False):
        ui_state.reset()
    from monitor.ui.colors import color_system
    from monitor.ui.heap import tune_malloc

    tune_malloc()  # before the app's threads start: they would take arenas of their own
    with color_system(settings.colors):
        app = MonitorApp(
            feed,
            ui_state=ui_state,
            tick=settings.tick,
            theme=settings.theme,
            closers=[client.aclose],
            handle_signals=True,
            startup_notes=notes,
            settle_heap=True,
        )
    app.prepare_after_s = PREPARE_SCREENS_AFTER_S
    from monitor.alerts_wiring import attach_to_app

    attach_to_app(feed, app, bell=settings.bell)
    try:
        app.run()
    finally:
        close = getattr(feed, "close", None)
        if callable(close):
            close()  # the recording: what is queued is written
    return EXIT_OK if app.return_code is None else app.return_code
