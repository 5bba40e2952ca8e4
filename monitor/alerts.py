"""Alerts (issue 17): pure rules over `MonitorSnapshot` values, with an injected clock.

`Alerts.observe(snap, now)` returns the events of this instant: a rule's condition must hold
for `for` seconds to fire and be gone for `for` seconds to clear (hysteresis: a flickering
reading fires once and clears once), and a rule fires at most once per `every` seconds for one
subject (a campaign, or the workspace). Nothing here rings, prints or writes: the wiring does
(bell, toast, a mark in the recording, a JSON line).

The conditions, each from what a snapshot carries:
- connect_rate_drop: a campaign's connect rate below (1 - drop) x its own baseline, the
  baseline being a slow average of its earlier readings (a half hour's time constant) that
  does not learn while the alert is on.
- at_cap: the calls in flight at (or over) the concurrency cap.
- retry_wave: the retries due within `minutes` would take the calls in flight over the cap.
- api_unreachable: the API's state is "unreachable".
- api_error_rate: the share of the readings in the last `minutes` with the API in error (server
  error, unreachable, bad data) is at least `rate`.
- long_calls: a call in flight longer than `minutes`.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.config.record import AlertRule
from monitor.state.events import WORKSPACE, alert_words
from monitor.state.snapshot import MonitorSnapshot

BASELINE_TAU_S = 1800.0
"""The connect-rate baseline's time constant: a half hour of readings make it."""
BASELINE_MIN_S = 300.0
"""No drop is judged before five minutes of a campaign's readings."""
ERROR_STATES = frozenset({"server_error", "unreachable", "degraded"})


@dataclass(frozen=True, slots=True)
class AlertEvent:
    kind: str
    subject: str
    state: str
    """"fired" or "cleared"."""
    at: datetime
    """The snapshot's time (the API's clock)."""
    detail: str

    def words(self) -> str:
        return alert_words(self.kind, self.subject, self.state, self.detail)

    def json_line(self) -> str:
        return json.dumps(
            {
                "at": self.at.isoformat().replace("+00:00", "Z"),
                "alert": self.kind,
                "state": self.state,
                "subject": self.subject,
                "detail": self.detail,
            },
            ensure_ascii=False,
        )


@dataclass(slots=True)
class _Track:
    """One rule for one subject: since when the condition holds (or not), and its state."""

    active: bool = False
    true_since: float | None = None
    false_since: float | None = None
    fired_at: float | None = None


@dataclass(slots=True)
class _Baseline:
    value: float
    first: float
    last: float


@dataclass
class Alerts:
    """The rules and what each has seen."""

    rules: tuple[AlertRule, ...]
    _tracks: dict[tuple[int, str], _Track] = field(default_factory=dict)
    _baselines: dict[str, _Baseline] = field(default_factory=dict)
    _health: deque[tuple[float, bool]] = field(default_factory=deque)

    def observe(self, snap: MonitorSnapshot, now: float) -> list[AlertEvent]:
        """The events of this snapshot, `now` being the injected clock's seconds."""
        self._health.append((now, snap.health.state in ERROR_STATES))
        horizon = max((r.minutes for r in self.rules if r.kind == "api_error_rate"), default=0)
        while self._health and self._health[0][0] < now - horizon * 60:
            self._health.popleft()
        events: list[AlertEvent] = []
        for index, rule in enumerate(self.rules):
            conditions = self._conditions(rule, snap, now)
            subjects = set(conditions) | {s for (i, s) in self._tracks if i == index}
            for subject in sorted(subjects):
                detail = conditions.get(subject)
                event = self._step(index, rule, subject, detail, snap, now)
                if event is not None:
                    events.append(event)
        self._learn(snap, now)
        return events

    # -- hysteresis -----------------------------------------------------------------------------

    def _step(
        self,
        index: int,
        rule: AlertRule,
        subject: str,
        detail: str | None,
        snap: MonitorSnapshot,
        now: float,
    ) -> AlertEvent | None:
        track = self._tracks.setdefault((index, subject), _Track())
        if detail is not None:
            track.false_since = None
            if track.true_since is None:
                track.true_since = now
            if track.active or now - track.true_since < rule.for_s:
                return None
            if track.fired_at is not None and now - track.fired_at < rule.every_s:
                return None
            track.active, track.fired_at = True, now
            return AlertEvent(rule.kind, subject, "fired", snap.now, detail)
        track.true_since = None
        if not track.active:
            return None
        if track.false_since is None:
            track.false_since = now
        if now - track.false_since < rule.for_s:
            return None
        track.active, track.false_since = False, None
        return AlertEvent(rule.kind, subject, "cleared", snap.now, "")

    # -- conditions -----------------------------------------------------------------------------

    def _conditions(self, rule: AlertRule, snap: MonitorSnapshot, now: float) -> dict[str, str]:
        """Subject to the words of its breach, for the subjects in breach now."""
        conc = snap.data.concurrency
        kind = rule.kind
        if kind == "api_unreachable":
            ok = snap.health.state != "unreachable"
            return {} if ok else {WORKSPACE: snap.health.message or "the API cannot be reached"}
        if kind == "api_error_rate":
            if not self._health:
                return {}
            share = sum(bad for _t, bad in self._health) / len(self._health)
            if share < rule.rate:
                return {}
            return {WORKSPACE: f"{share:.0%} of readings in error over {rule.minutes:g} min"}
        if kind == "at_cap":
            if conc.unknown is not None or conc.cap is None or conc.in_flight < conc.cap:
                return {}
            return {WORKSPACE: f"{conc.in_flight}/{conc.cap} in flight"}
        if kind == "retry_wave":
            until = snap.now + timedelta(minutes=rule.minutes)
            over = [b for b in conc.wave if b.over_cap and b.at <= until]
            if not over:
                return {}
            peak = max(over, key=lambda b: b.projected)
            return {
                WORKSPACE: f"{peak.projected} projected against the cap of {conc.cap} at "
                f"{peak.at.strftime('%H:%M')}"
            }
        if kind == "long_calls":
            limit = snap.now - timedelta(minutes=rule.minutes)
            long = [
                r for r in snap.data.active if r.started_at is not None and r.started_at < limit
            ]
            if not long:
                return {}
            return {WORKSPACE: f"{len(long)} call(s) longer than {rule.minutes:g} min"}
        return self._drops(rule, snap, now)

    def _drops(self, rule: AlertRule, snap: MonitorSnapshot, now: float) -> dict[str, str]:
        found: dict[str, str] = {}
        for row in snap.data.campaigns:
            if rule.campaign is not None and row.id != rule.campaign:
                continue
            base = self._baselines.get(row.id)
            rate = row.connect_rate
            if rate is None or base is None or base.last - base.first < BASELINE_MIN_S:
                continue
            if rate < base.value * (1 - rule.drop):
                found[row.id] = f"connect rate {rate:.0%} against its baseline {base.value:.0%}"
        return found

    def _learn(self, snap: MonitorSnapshot, now: float) -> None:
        # The baseline learns only from readings no drop alert is on for: an outage must not
        # become the new normal.
        on = {s for (i, s), t in self._tracks.items() if t.active or t.true_since is not None}
        for row in snap.data.campaigns:
            rate = row.connect_rate
            if rate is None or row.id in on:
                continue
            base = self._baselines.get(row.id)
            if base is None:
                self._baselines[row.id] = _Baseline(rate, now, now)
                continue
            weight = min(1.0, max(0.0, now - base.last) / BASELINE_TAU_S)
            base.value += (rate - base.value) * weight
            base.last = now


__all__ = ["AlertEvent", "Alerts"]
