"""Command palette (ctrl+p): jump to a campaign or a call by id (or a campaign by name).

Textual's `Matcher.highlight` parses the candidate as markup, which a campaign named "[/]"
would crash (FAULTS H1); hits here are built as `Content` from display-safe text and styled by
offset instead.
"""

from __future__ import annotations

from functools import partial
from typing import cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from monitor.display import to_display
from monitor.ui.host import MonitorHost

MAX_CALL_HITS = 20
"""Calls are matched by id substring only (there can be thousands); show this many."""


def safe_highlight(matcher: Matcher, candidate: str) -> Content:
    """`candidate` (already display-safe) with the fuzzy-matched characters styled."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query.lower(), candidate.lower())
    if not score:
        return content
    for offset in offsets:
        if offset < len(candidate) and not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class JumpProvider(Provider):
    """Campaigns by name or id, calls by id."""

    def _monitor(self) -> MonitorHost:
        return cast(MonitorHost, self.app)

    def _campaigns(self) -> list[tuple[str, str]]:
        out = []
        for row in self._monitor().current().data.campaigns:
            cid, name = row.id, row.name
            label = (
                f"Campaign {to_display(name, 40)} ({to_display(cid, 40)})"
                if name
                else (f"Campaign {to_display(cid, 40)}")
            )
            out.append((cid, label))
        return out

    async def discover(self) -> Hits:
        app = self._monitor()
        for cid, label in self._campaigns():
            yield DiscoveryHit(
                Content(label),
                partial(app.open_campaign, cid),
                text=label,
                help="Open the campaign's calls",
            )

    async def search(self, query: str) -> Hits:
        app = self._monitor()
        matcher = self.matcher(query)
        for cid, label in self._campaigns():
            score = matcher.match(label.lower()) if query else 1.0
            if score > 0:
                yield Hit(
                    score,
                    safe_highlight(matcher, label),
                    partial(app.open_campaign, cid),
                    text=label,
                    help="Open the campaign's calls",
                )
        needle = query.strip().lower()
        if len(needle) < 3:
            return
        hits = 0
        for call_id in app.current().data.call_ids:
            lowered = call_id.lower()
            if needle not in lowered:
                continue
            label = f"Call {to_display(call_id, 60)}"
            score = 1.0 if lowered.startswith(needle) or lowered.endswith(needle) else 0.8
            yield Hit(
                score,
                safe_highlight(matcher, label),
                partial(app.open_call, call_id),
                text=label,
                help="Open the call",
            )
            hits += 1
            if hits >= MAX_CALL_HITS:
                break
