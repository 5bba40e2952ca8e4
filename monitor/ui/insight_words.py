"""The campaign screen's insights (issue 19), in words: retry conformance, the offending calls,
the idle bar of the last hour. Pure: a snapshot's insights in, Rich text out."""

from __future__ import annotations

from rich.text import Text

from monitor.display import to_display
from monitor.state.snapshot import CampaignInsight, Insight, Insights

IDLE_LEGEND = (
    (".", "dialling", ""),
    ("c", "cap", "bold red"),
    ("v", "vendor", "bold red"),
    ("p", "paused", "yellow"),
    ("o", "window", "yellow"),
    ("n", "nothing left", "dim"),
    ("x", "unexplained", "bold magenta"),
    ("?", "not known", "dim"),
)
"""The idle bar's letters (one a minute, oldest first), their words and styles."""
_STYLE = {letter: style for letter, _, style in IDLE_LEGEND}
KIND_WORDS = {
    "retry_early": "early",
    "retry_late": "late",
    "retry_missing": "missing",
    "retry_extra": "extra",
    "retry_not_retryable": "not retryable",
    "stuck_call": "stuck",
    "leaked_slot": "leaked slot",
    "cap_blocked": "cap blocked",
    "vendor_rejected": "vendor rejected",
}
SHOWN_OFFENDERS = 5
"""Offending calls listed in the header; `i` steps through all of them."""


def offenders(insights: Insights, campaign_id: str) -> tuple[Insight, ...]:
    """The campaign's insights about a call, newest first (what `i` jumps to)."""
    found = [i for i in insights.of(campaign_id) if i.call_id]
    found.sort(key=lambda i: (i.since is None, -(i.since.timestamp() if i.since else 0)))
    return tuple(found)


def conformance_words(found: CampaignInsight | None) -> str:
    if found is None or (found.checked == 0 and found.unknown == 0):
        return "retry conformance: no series read yet"
    if found.conformance is None:
        return f"retry conformance: policy unknown ({found.unknown} series)"
    kinds = ", ".join(f"{KIND_WORDS.get(k, k)} {n}" for k, n in sorted(found.kinds.items()))
    text = f"retry conformance {found.conformance:.0f}% of {found.checked} series"
    return f"{text} ({kinds})" if kinds else text


def insight_lines(insights: Insights, campaign_id: str, width: int) -> Text:
    """The header's insight lines; empty before the monitor has a minute of facts."""
    found = insights.campaigns.get(campaign_id)
    text = Text(end="")
    if found is None:
        return text
    text.append("\n" + conformance_words(found))
    # The campaign's own (a blocked cap) and the workspace's (a leaked slot) insights.
    others = [i for i in insights.items if not i.call_id and i.campaign_id in (campaign_id, None)]
    for i in others:
        since = f" since {i.since:%H:%M}" if i.since else ""
        where = "" if i.campaign_id else " (workspace)"
        text.append(f"  ! {KIND_WORDS.get(i.kind, i.kind)}{where}{since}", style="bold red")
    if found.idle_bar:
        bar = found.idle_bar[-max(10, width - 12) :]
        text.append("\nidle (1h) ")
        for letter in bar:
            text.append(letter, style=_STYLE.get(letter, ""))
        idle = "  ".join(
            f"{word} {found.idle_minutes.get(reason, 0)}"
            for reason, word in (("cap_blocked", "cap"), ("vendor_rejected", "vendor"),
                                 ("paused", "paused"), ("outside_window", "window"),
                                 ("nothing_left", "nothing left"), ("unexplained", "unexplained"))
            if found.idle_minutes.get(reason)
        )  # fmt: skip
        if idle:
            text.append(f"\nidle minutes: {idle}")
    calls = offenders(insights, campaign_id)
    if calls:
        text.append(f"\noffending calls {len(calls)} (i opens the next)")
    for i in calls[:SHOWN_OFFENDERS]:
        line = f"\n  {KIND_WORDS.get(i.kind, i.kind):<13} {to_display(i.call_id or '', 24)}  "
        text.append(line)
        text.append(to_display(i.detail, max(10, width - len(line))), style="dim")
    return text
