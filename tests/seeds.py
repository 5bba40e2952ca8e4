"""The vendor's example payloads, read straight from ../shared/seeds (the pages we started from)."""

from __future__ import annotations

import json
from typing import Any

from tests.shared import shared_path


def seed_text(prefix: str) -> str:
    (path,) = shared_path("seeds").glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def json_blocks(text: str) -> list[Any]:
    """Every top-level JSON object or array in a page of prose, in order."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    i = 0
    while i < len(text):
        if text[i] in "{[":
            try:
                value, end = decoder.raw_decode(text, i)
            except ValueError:
                i += 1
                continue
            if isinstance(value, dict | list) and value:
                found.append(value)
                i = end
                continue
        i += 1
    return found
