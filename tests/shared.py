"""Where the vendor's read-only facts live: `../shared` beside the project's root, one helper.

A test that needs a file from there fails, loudly and by name, when it is missing: a skip
would let a fresh clone (CI included) pass without ever validating against the vendor's pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE_ROOT = Path(__file__).resolve().parents[1]
# `make mutation` runs the tests from a copy of the tree in `mutants/` inside the project.
PROJECT_ROOT = _HERE_ROOT.parent if _HERE_ROOT.name == "mutants" else _HERE_ROOT
SHARED = PROJECT_ROOT.parent / "shared"


def shared_path(*parts: str, shared: Path = SHARED) -> Path:
    """The path of `parts` under the shared folder; the calling test fails if it is absent."""
    path = shared.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"{path} is missing. The vendor's facts are read from ../shared beside the "
            f"project's root ({PROJECT_ROOT}); lay the shared folder there (CI copies it).",
            pytrace=False,
        )
    return path
