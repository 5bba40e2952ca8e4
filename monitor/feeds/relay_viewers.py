"""What the relay's viewers look at, from their intents: which calls and campaigns the one
budget is spent on.

Every intent a viewer sends carries its whole view (selected call, focused campaign), and a
viewer repeats it every `HEARTBEAT_S`: a relay that restarts learns every view within that, and
a viewer that went away without a word is forgotten after `VIEWER_TTL_S`. The budget goes to
the most recent `limit` selections (one request every 5 s per call and its history): ten
engineers clicking through calls cannot multiply the load by ten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

HEARTBEAT_S = 10.0
VIEWER_TTL_S = 35.0
WATCH_LIMIT = 5
"""Calls (and campaigns) polled for viewers at once by default: the most recent selections."""


@dataclass(slots=True)
class Viewer:
    selected: str | None = None
    focused: str | None = None
    visible: tuple[str, ...] | None = None
    seen: float = 0.0
    selected_at: float = 0.0
    focused_at: float = 0.0


@dataclass(slots=True)
class Viewers:
    """The live viewers' views; `calls()` and `campaigns()` are what the relay serves."""

    limit: int = WATCH_LIMIT
    by_id: dict[str, Viewer] = field(default_factory=dict)
    refresh_asked: bool = False

    def take(self, fields: dict[bytes, bytes], now: float) -> None:
        """One intent message (`viewer`, `intent`, `selected`, `focused`, `visible`)."""
        text = {k.decode(): v.decode("utf-8", "replace") for k, v in fields.items()}
        vid = text.get("viewer", "")[:64]
        if not vid:
            return
        viewer = self.by_id.setdefault(vid, Viewer())
        viewer.seen = now
        selected = _id(text.get("selected", ""))
        focused = _id(text.get("focused", ""))
        if selected != viewer.selected:
            viewer.selected, viewer.selected_at = selected, now
        if focused != viewer.focused:
            viewer.focused, viewer.focused_at = focused, now
        if "visible" in text:
            viewer.visible = _ids(text["visible"])
        if text.get("intent") == "refresh_now":
            self.refresh_asked = True
        if text.get("intent") == "bye":
            self.by_id.pop(vid, None)

    def expire(self, now: float) -> None:
        for vid in [v for v, view in self.by_id.items() if now - view.seen > VIEWER_TTL_S]:
            del self.by_id[vid]

    def _recent(self, pick: str, at: str) -> tuple[list[str], int]:
        ordered = sorted(self.by_id.values(), key=lambda v: getattr(v, at), reverse=True)
        seen = list(dict.fromkeys(x for v in ordered if (x := getattr(v, pick)) is not None))
        return seen[: self.limit], max(len(seen) - self.limit, 0)

    def calls(self) -> tuple[list[str], int]:
        """The selected calls, most recent first (at most `limit`), and how many were left out."""
        return self._recent("selected", "selected_at")

    def campaigns(self) -> tuple[list[str], int]:
        return self._recent("focused", "focused_at")

    def visible(self) -> tuple[str, ...] | None:
        """The campaigns on screen of the most recently active viewer."""
        if not self.by_id:
            return None
        return max(self.by_id.values(), key=lambda v: v.seen).visible


def _id(value: str) -> str | None:
    value = value.strip()
    return value[:128] if value else None


def _ids(value: str) -> tuple[str, ...] | None:
    try:
        items = json.loads(value)
    except json.JSONDecodeError:
        return None
    if not isinstance(items, list):
        return None
    return tuple(str(x)[:128] for x in items[:200])


def intent_fields(
    viewer: str,
    intent: str,
    selected: str | None,
    focused: str | None,
    visible: tuple[str, ...] | None,
) -> dict[str, str]:
    """A viewer's intent message: the intent and its whole view."""
    fields = {
        "viewer": viewer,
        "intent": intent,
        "selected": selected or "",
        "focused": focused or "",
    }
    if visible is not None:
        fields["visible"] = json.dumps(list(visible))
    return fields


__all__ = ["HEARTBEAT_S", "VIEWER_TTL_S", "WATCH_LIMIT", "Viewer", "Viewers", "intent_fields"]
