"""Canary leak scanner shared by every test suite (FAULTS S9-S12).

Load a recognisable canary key, push it through the code under test, then scan everything
that came out (logs, stdout/stderr, screens, snapshot files, exception text) for any fragment
of it. Fragments, not the whole key: leaks are usually partial (pydantic prints the first and
last characters of a value, FAULTS H6; screens truncate).

    from tests.leakscan import assert_no_leak, make_canary
    key = make_canary()
    ...
    assert_no_leak(captured_text, key)
"""

from __future__ import annotations

import secrets
import string

CANARY_PREFIX = "dnx_live_CANARY"


def make_canary(random_chars: int = 24) -> str:
    """A key in the vendor's shape whose random tail cannot occur in output by chance."""
    alphabet = string.ascii_letters + string.digits
    return CANARY_PREFIX + "".join(secrets.choice(alphabet) for _ in range(random_chars))


def canary_fragments(key: str, n: int = 6, *, include_last4: bool = True) -> set[str]:
    """Every substring that counts as a leak of `key`.

    Args:
        key: the canary key.
        n: window size: every run of `n` consecutive characters is a fragment.
        include_last4: also count the last four characters (pydantic's truncated repr ends
            with them). Turn it off where showing them is the documented behaviour (the
            "…a1b2" hint of `config show`, error messages about a malformed key).

    Returns:
        The fragments: every `n`-window, the first 12 characters and (optionally) the last 4.
    """
    fragments = {key[i : i + n] for i in range(max(len(key) - n + 1, 0))}
    fragments.add(key[:12])
    if include_last4:
        fragments.add(key[-4:])
    return {f for f in fragments if f}


def find_leaks(text: str, key: str, n: int = 6, *, allow_last4: bool = False) -> list[str]:
    """The fragments of `key` found in `text`, longest first (empty when clean)."""
    found = [f for f in canary_fragments(key, n, include_last4=not allow_last4) if f in text]
    return sorted(found, key=lambda f: (-len(f), f))


def assert_no_leak(text: str | bytes, key: str, n: int = 6, *, allow_last4: bool = False) -> None:
    """Fail if any fragment of `key` appears in `text`.

    The assertion message shows where the first fragment was found but masks the fragment
    itself, so a failing CI log does not become a leak of its own (even of a canary).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    leaks = find_leaks(text, key, n, allow_last4=allow_last4)
    if leaks:
        at = text.find(leaks[0])
        context = text[max(at - 40, 0) : at]
        for fragment in leaks:
            context = context.replace(fragment, "<F>")
        context += "<FRAGMENT>"
        raise AssertionError(
            f"{len(leaks)} fragment(s) of the key leaked; first at offset {at}, after: {context!r}"
        )
