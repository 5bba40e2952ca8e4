"""Remembered UI preferences: the sort and filter of each table, across restarts.

Sorts are kept per kind of table (how one likes to look at calls); a filter per table shown
(the campaign screen's filter is kept per campaign: a call id typed for one campaign means
nothing in another). The app says what it restored at launch; `--reset-view` and the `c` key
forget it all.

A small JSON file in the user data directory (`DIALNEXA_MONITOR_STATE_DIR` overrides it, for
tests), written atomically with mode 0600 in a 0700 directory. A missing, unreadable or
malformed file means "defaults"; it is never an error the user has to deal with.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.config.paths import (
    APP_NAME,
    STATE_DIR_ENV,
    STATE_FILE_NAME,
    data_dir,
    ensure_private_dir,
)

__all__ = [
    "APP_NAME",
    "STATE_DIR_ENV",
    "STATE_FILE_NAME",
    "UiState",
    "ViewPrefs",
    "data_dir",
    "write_private",
]

MAX_FILTER_CHARS = 200
"""A filter longer than this is not something anyone typed on purpose."""
MAX_VIEWS = 100
"""Per-campaign filters are kept under their own names; at most this many views are kept."""


def write_private(path: Path, data: str) -> None:
    """Write `data` to `path` atomically, readable by the owner only."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@dataclass(frozen=True, slots=True)
class ViewPrefs:
    """What one table remembers."""

    sort: str | None = None
    """The sort mode's name; None means the table's default."""
    filter: str = ""
    reverse: bool = False
    """The sort mode's order turned around (`S`)."""

    @property
    def is_default(self) -> bool:
        return self.sort is None and not self.filter and not self.reverse


class UiState:
    """Per-view preferences, loaded once and saved on every change."""

    def __init__(self, path: Path | None, views: dict[str, ViewPrefs] | None = None) -> None:
        self.path = path
        """None keeps the state in memory only."""
        self._views: dict[str, ViewPrefs] = dict(views or {})

    @classmethod
    def load(cls, path: Path | None = None) -> UiState:
        target = path if path is not None else data_dir() / STATE_FILE_NAME
        try:
            raw = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(target)
        return cls(target, _parse(raw))

    def get(self, view: str) -> ViewPrefs:
        return self._views.get(view, ViewPrefs())

    def set(self, view: str, prefs: ViewPrefs) -> None:
        if self._views.get(view, ViewPrefs()) == prefs:
            return
        if prefs.is_default:
            # Defaults are not kept: per-campaign filters would otherwise pile up.
            self._views.pop(view, None)
        else:
            self._views[view] = prefs
        if len(self._views) > MAX_VIEWS:
            # The oldest entries first (dicts keep insertion order); sorts are re-set often.
            for name in list(self._views)[: len(self._views) - MAX_VIEWS]:
                del self._views[name]
        self.save()

    def saved(self) -> dict[str, ViewPrefs]:
        """Every view whose preferences differ from the defaults."""
        return {k: v for k, v in self._views.items() if not v.is_default}

    def reset(self) -> None:
        """Forget every view's sort and filter (the `--reset-view` flag and the `c` key)."""
        self._views.clear()
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        payload = {
            "version": 1,
            "views": {
                name: {"sort": p.sort, "filter": p.filter, "reverse": p.reverse}
                for name, p in self._views.items()
            },
        }
        # Best effort: a read-only home must not stop the monitor.
        with contextlib.suppress(OSError):
            write_private(self.path, json.dumps(payload, indent=2) + "\n")


def _parse(raw: Any) -> dict[str, ViewPrefs]:
    views = raw.get("views") if isinstance(raw, dict) else None
    if not isinstance(views, dict):
        return {}
    out: dict[str, ViewPrefs] = {}
    for name, entry in views.items():
        if not isinstance(name, str) or not isinstance(entry, dict):
            continue
        sort = entry.get("sort")
        text = entry.get("filter")
        out[name] = ViewPrefs(
            sort=sort if isinstance(sort, str) else None,
            filter=text[:MAX_FILTER_CHARS] if isinstance(text, str) else "",
            reverse=entry.get("reverse") is True,
        )
    return out
