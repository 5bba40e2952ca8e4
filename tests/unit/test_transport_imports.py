"""httpcore asks `import sniffio` four times a request; where it is not installed, the answer
is Python's "not importable" at once, not a search of the whole path each time (issue 21)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import pytest
from httpcore._synchronization import current_async_library

import monitor.api.transport  # noqa: F401  (the module that marks it)


@pytest.mark.skipif(
    sys.modules.get("sniffio") is not None, reason="sniffio is installed here: nothing to mark"
)
def test_a_missing_sniffio_is_known_missing_and_httpcore_runs_on_asyncio() -> None:
    assert "sniffio" in sys.modules and sys.modules["sniffio"] is None
    with pytest.raises(ImportError):
        importlib.import_module("sniffio")

    async def which() -> str:
        return current_async_library()

    assert asyncio.run(which()) == "asyncio"
