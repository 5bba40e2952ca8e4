"""What the API sends is scrubbed of the key before anything else reads it.

A misconfigured gateway or a debugging server may echo the request back: a 401 whose `message`
quotes the bearer token, a record whose `notes` holds the `Authorization` header. Every string
the monitor shows, logs, exports or prints came from these bodies, so each body is scrubbed
where it arrives: the key and any `Bearer …` credential become `[redacted]`.

Two passes, because JSON may spell one string many ways (`\\u0053` for `S`, `\\/` for `/`, as
PHP's encoder does): the raw text is masked first (cheap; the mask has no quote or backslash, so
the JSON stays valid), then the decoded value is checked once for a key the raw text hid. The
check folds case, drops format characters (Unicode Cf: zero-width space, joiner, BOM...) and
reads the escapes, all on the whole text at C speed; only when the key is still there (a hostile
or broken server, never ordinary traffic) is every decoded string (object keys too) walked.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from pydantic import SecretStr

MASK = "[redacted]"
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\[redacted\])[^\s\"'\\,;}\]]+")
MIN_KEY_LENGTH = 8
"""A key shorter than this would mask ordinary words; such keys are refused at load anyway."""

FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
"""Unicode's Cf (format) characters as a regex class body (Unicode 15; a test checks it covers
the running Python's `unicodedata`): invisible, so a key with them inside reads as the key."""
_FORMAT = re.compile(f"[{FORMAT_CHARACTERS}\ud800-\udfff]+")
"""Dropped before a key with non-ASCII characters is looked for: format characters, and the
halves of surrogate pairs that `_unescape` leaves (`\\udb40\\udc01` is U+E0001, a Cf)."""
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_DROPPED_ESCAPE = re.compile(r"\\(?:\\|u(?!00[0-7])[0-9a-fA-F]{4})")
"""An escaped backslash, or the escape of a character past ASCII."""
_ASCII_ESCAPE = re.compile(r"\\u00([0-7][0-9a-fA-F])")
_KEY_ESCAPE = re.compile(r"\\[u/]")
"""The escapes that can spell a character of a key or a format character."""


def _unescape(match: re.Match[str]) -> str:
    code, char = match.groups()
    return chr(int(code, 16)) if code else _SIMPLE_ESCAPES.get(char, char)


def _unescape_ascii(match: re.Match[str]) -> str:
    char = chr(int(match[1], 16))
    return "" if char == "\\" else char  # no new escape made: `\\u005cu0041` is not `A`


class Scrubber:
    """Masks the client's own key and any bearer credential in text from the API."""

    def __init__(self, key: SecretStr | None) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Scrubber(key=**********)"

    @cached_property
    def _secret(self) -> str:
        key = self._key.get_secret_value() if self._key is not None else ""
        return key if len(key) >= MIN_KEY_LENGTH else ""

    @cached_property
    def _folded(self) -> str:
        return self._secret.lower()

    @cached_property
    def _folded_bytes(self) -> bytes:
        return self._folded.encode("ascii", "replace")

    @cached_property
    def _odd(self) -> bool:
        """A key with a backslash or a non-ASCII character (refused at load; possible when a
        key is handed to the client directly): looked for the exact, slower way."""
        return "\\" in self._secret or not self._secret.isascii()

    @cached_property
    def _spelled(self) -> re.Pattern[str]:
        """The key in any case, with format characters anywhere inside it."""
        between = f"[{FORMAT_CHARACTERS}]*"
        return re.compile(between.join(map(re.escape, self._secret)), re.IGNORECASE)

    def json_text(self, text: str) -> str:
        """A JSON body's raw text with the key's plain spelling and bearer credentials masked;
        still valid JSON. `value` then finds the spellings this leaves."""
        key = self._secret
        # A backslash in the key would be matched against the text's escapes, where masking
        # could eat the backslash that escapes a quote; such a key is left to `value`.
        if key and "\\" not in key and key in text:
            text = text.replace(key, MASK)
        if "earer" in text or "EARER" in text:
            text = _BEARER.sub(r"\1" + MASK, text)
        return text

    def text(self, text: str) -> str:
        """Decoded text (a string from a body, a message) with the key masked in any case and
        with format characters inside it, and bearer credentials masked."""
        key = self._secret
        if key:
            if key in text:
                text = text.replace(key, MASK)
            if self._holds(text):
                text = self._spelled.sub(MASK, text)
        if "earer" in text or "EARER" in text:
            text = _BEARER.sub(r"\1" + MASK, text)
        return text

    def value(self, value: Any, text: str) -> Any:
        """`value`, decoded from the JSON `text` that `json_text` scrubbed, with the key masked
        in every string (object keys too) when the text spelled it some other way."""
        if not self._secret or not self._hidden_in(text):
            return value
        return self._walk(value)

    def _hidden_in(self, text: str) -> bool:
        """Whether a string decoded from the JSON `text` may hold the key (never a miss; a false
        hit only costs a walk)."""
        # A lone backslash is found at memchr speed, the two escapes by one regex search (`in`
        # is several times slower for each of them).
        if "\\" not in text or not (self._odd or _KEY_ESCAPE.search(text)):
            # No escape here can spell a key character or a format character: the key has no
            # whitespace, quote or control character (refused at load), so `\\n` or `\\"`
            # never stands inside it, and the text around such an escape reads as decoded.
            return self._holds(text)
        if self._odd:  # a backslash or a non-ASCII character in the key: read escapes exactly
            return self._holds(_ESCAPE.sub(_unescape, text))
        # Read for the check only, left to right as JSON reads them, at C speed: an escaped
        # backslash or a non-ASCII character dropped (no key holds one, so a key spelled around
        # it is still found, and `_holds` drops non-ASCII characters anyway), then escaped
        # ASCII (rare: control characters) read, and `\\/` when the key has a slash.
        text = _DROPPED_ESCAPE.sub("", text)
        text = _ASCII_ESCAPE.sub(_unescape_ascii, text)
        if "/" in self._secret:
            text = text.replace("\\/", "/")
        return self._holds(text)

    def _holds(self, text: str) -> bool:
        """Whether `text` holds the key in any case with format characters inside it (never a
        miss; a false hit only costs a search)."""
        if text.isascii():  # no format character can be there: the cheap common path
            return self._folded in text.lower()
        if self._odd:
            return self._folded in _FORMAT.sub("", text).lower()
        # Every non-ASCII character dropped by the ASCII codec (C speed; format characters are
        # among them) and ASCII lower-casing: many times cheaper than a regex or `str.lower`.
        return self._folded_bytes in text.encode("ascii", "ignore").lower()

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self._walk(item) for item in value]
        if isinstance(value, dict):
            return {self.text(k): self._walk(v) for k, v in value.items()}
        return value
