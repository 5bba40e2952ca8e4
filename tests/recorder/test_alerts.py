"""Alerts under a fake clock: each rule fires once and clears once through a flickering
breach, `every` holds a second firing back, and the events reach the recording's marks and
the JSON lines of `record --alerts jsonl` (issue 17)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.alerts import AlertEvent, Alerts
from monitor.alerts_wiring import AlertWiring
from monitor.config import Settings
from monitor.config.record import AlertRule
from monitor.feeds import LiveFeed
from monitor.feeds.recorder import SnapshotRecorder
from monitor.feeds.recording import RecordingReader
from monitor.state.derive import WaveBucket
from monitor.state.snapshot import ApiHealth, MonitorSnapshot
from tests.ui.fixtures import make_engine

BASE = LiveFeed(make_engine()).snapshot()
STEP_S = 10.0


def at(t: float, **update: object) -> MonitorSnapshot:
    return BASE.model_copy(update={"now": BASE.now + timedelta(seconds=t), **update})


def calm(t: float) -> MonitorSnapshot:
    snap = at(t)
    rows = tuple(replace(r, started_at=snap.now) for r in BASE.data.active)
    campaigns = tuple(replace(c, connect_rate=0.5) for c in BASE.data.campaigns)
    conc = replace(BASE.data.concurrency, in_flight=1, cap=25, unknown=None, wave=())
    data = BASE.data.model_copy(
        update={"active": rows, "campaigns": campaigns, "concurrency": conc}
    )
    return snap.model_copy(update={"data": data, "health": ApiHealth(state="ok")})


def breach(kind: str, t: float) -> MonitorSnapshot:
    snap = calm(t)
    data = snap.data
    if kind == "api_unreachable":
        return snap.model_copy(update={"health": ApiHealth(state="unreachable", message="down")})
    if kind == "api_error_rate":
        return snap.model_copy(update={"health": ApiHealth(state="server_error")})
    if kind == "at_cap":
        conc = replace(data.concurrency, in_flight=25)
        return snap.model_copy(update={"data": data.model_copy(update={"concurrency": conc})})
    if kind == "retry_wave":
        bucket = WaveBucket(
            at=snap.now + timedelta(minutes=3), calls=30, projected=31, over_cap=True
        )
        conc = replace(data.concurrency, wave=(bucket,))
        return snap.model_copy(update={"data": data.model_copy(update={"concurrency": conc})})
    if kind == "long_calls":
        rows = list(data.active)
        rows[0] = replace(rows[0], started_at=snap.now - timedelta(minutes=20))
        return snap.model_copy(update={"data": data.model_copy(update={"active": tuple(rows)})})
    assert kind == "connect_rate_drop"
    rows = list(data.campaigns)
    rows[0] = replace(rows[0], connect_rate=0.1)
    return snap.model_copy(update={"data": data.model_copy(update={"campaigns": tuple(rows)})})


def play(
    alerts: Alerts, kind: str, breached: Callable[[float], bool], end: float
) -> list[AlertEvent]:
    events: list[AlertEvent] = []
    t = 0.0
    while t <= end:
        snap = breach(kind, t) if breached(t) else calm(t)
        events += alerts.observe(snap, 1000.0 + t)  # the injected clock: not the wall's
        t += STEP_S
    return events


KINDS = [
    "api_unreachable",
    "api_error_rate",
    "at_cap",
    "retry_wave",
    "long_calls",
    "connect_rate_drop",
]


@pytest.mark.parametrize("kind", KINDS)
def test_each_alert_fires_once_and_clears_once_through_a_flicker(kind: str) -> None:
    rule = AlertRule(kind=kind, for_s=60, every_s=3600, minutes=5, rate=0.5)  # type: ignore[arg-type]
    alerts = Alerts((rule,))

    def breached(t: float) -> bool:
        # On from 600 s to 1200 s with a 10 s gap at 900 s (shorter than `for`); then a
        # second breach from 1500 s, within `every` of the first firing: held back.
        return (600 <= t < 1200 and t != 900) or t >= 1500

    events = play(alerts, kind, breached, 1800)
    states = [(e.state, e.kind) for e in events]
    assert states == [("fired", kind), ("cleared", kind)], events
    fired, cleared = events
    assert fired.detail and fired.words().startswith("ALERT")
    assert BASE.now + timedelta(seconds=600) < fired.at <= BASE.now + timedelta(seconds=900)
    assert cleared.at >= BASE.now + timedelta(seconds=1200 + 60)


def test_a_rule_fires_again_after_every() -> None:
    alerts = Alerts((AlertRule(kind="at_cap", for_s=0, every_s=100),))
    events = play(alerts, "at_cap", lambda t: t in (0, 50, 200), 250)
    # 0 fires; 50 is held back (within `every` of 0); 200 fires again.
    assert [(e.state, e.at - BASE.now) for e in events] == [
        ("fired", timedelta(0)),
        ("cleared", timedelta(seconds=10)),
        ("fired", timedelta(seconds=200)),
        ("cleared", timedelta(seconds=210)),
    ]


def test_alert_rules_come_from_the_config_file_names() -> None:
    settings = Settings(alerts=[{"kind": "long_calls", "for": 30, "every": 900, "minutes": 8}])  # type: ignore[list-item]
    (rule,) = settings.alerts
    assert (rule.for_s, rule.every_s, rule.minutes) == (30, 900, 8)
    assert Settings(bell=False).bell is False


def test_events_are_marked_in_the_recording_and_printed_as_json_lines(tmp_path: Path) -> None:
    recorder = SnapshotRecorder.open(tmp_path / "r.sqlite")
    out = io.StringIO()
    clock = iter(range(0, 10_000, 10))
    wiring = AlertWiring(
        Alerts((AlertRule(kind="api_unreachable", for_s=0, every_s=0),)),
        recorder=recorder,
        jsonl=out,
        clock=lambda: float(next(clock)),
    )
    heard: list[AlertEvent] = []
    wiring.listeners.append(heard.append)
    for t, bad in ((0, False), (10, True), (20, True), (30, False)):
        snap = breach("api_unreachable", t) if bad else calm(t)
        recorder.record(snap)
        wiring(snap)
    recorder.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(d["alert"], d["state"]) for d in lines] == [
        ("api_unreachable", "fired"),
        ("api_unreachable", "cleared"),
    ]
    assert [e.state for e in heard] == ["fired", "cleared"]
    reader = RecordingReader(tmp_path / "r.sqlite")
    span = reader.span()
    assert span is not None
    marks = reader.marks(*span)
    assert [m.kind for m in marks] == ["alert-fired", "alert-cleared"]
    assert marks[0].at == (BASE.now + timedelta(seconds=10)).timestamp()


class FakeApp:
    def __init__(self) -> None:
        self.bells = 0
        self.toasts: list[tuple[str, str]] = []

    def bell(self) -> None:
        self.bells += 1

    def notify(self, message: str, *, severity: str, markup: bool, timeout: float) -> None:
        self.toasts.append((message, severity))


@pytest.mark.parametrize("bell", [True, False])
def test_in_the_ui_a_firing_rings_the_bell_and_every_event_is_a_toast(bell: bool) -> None:
    from monitor.alerts_wiring import attach_to_app
    from monitor.feeds.recorder import RecordingFeed

    wiring = AlertWiring(Alerts((AlertRule(kind="at_cap", for_s=0, every_s=0),)))
    feed = RecordingFeed(LiveFeed(make_engine()), None, on_snapshot=wiring)
    app = FakeApp()
    attach_to_app(feed, app, bell=bell)
    wiring(breach("at_cap", 0))
    wiring(calm(10))
    assert app.bells == (1 if bell else 0)
    assert [s for _m, s in app.toasts] == ["error", "information"]
    assert app.toasts[0][0].startswith("ALERT at cap")
