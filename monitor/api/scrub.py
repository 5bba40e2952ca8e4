"""What the API sends is scrubbed of the key before anything else reads it.

A misconfigured gateway or a debugging server may echo the request back: a 401 whose `message`
quotes the bearer token, a record whose `notes` holds the `Authorization` header. Every string
the monitor shows, logs, exports or prints came from these bodies, so the body itself is
scrubbed, once, where it arrives: the key (whole) and any `Bearer …` credential become
`[redacted]`. Masking in the raw text never breaks JSON: the mask has no quote or backslash.
"""

from __future__ import annotations

import re

from pydantic import SecretStr

MASK = "[redacted]"
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\[redacted\])[^\s\"'\\,;}\]]+")
MIN_KEY_LENGTH = 8
"""A key shorter than this would mask ordinary words; such keys are refused at load anyway."""


class Scrubber:
    """Masks the client's own key and any bearer credential in text from the API."""

    def __init__(self, key: SecretStr | None) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Scrubber(key=**********)"

    def text(self, text: str) -> str:
        key = self._key.get_secret_value() if self._key is not None else ""
        if len(key) >= MIN_KEY_LENGTH and key in text:
            text = text.replace(key, MASK)
        if "earer" in text or "EARER" in text:
            text = _BEARER.sub(r"\1" + MASK, text)
        return text
