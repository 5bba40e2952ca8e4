"""Fixtures for configuration tests: a private config dir and an environment that is only ours.

Every test passes `environ=` explicitly, so the developer's own DIALNEXA_* variables and config
file never leak in, and injects the keyring so the host's keyring is never touched.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.config.secrets import KeyringResult
from tests.leakscan import make_canary


def no_keyring(username: str) -> KeyringResult:
    return KeyringResult(note="No system keyring here (headless host)")


class Workspace:
    """A temporary home for one test: config file, key files and the environment to pass."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "config.toml"
        self.env: dict[str, str] = {
            "DIALNEXA_MONITOR_CONFIG": str(self.config),
            "DIALNEXA_MONITOR_LOG_DIR": str(root / "logs"),
        }

    def write_config(self, text: str, mode: int = 0o644) -> Path:
        self.config.write_text(text, encoding="utf-8")
        os.chmod(self.config, mode)
        return self.config

    def write_key(
        self, key: str, name: str = "key", mode: int = 0o600, newline: str = "\n"
    ) -> Path:
        path = self.root / name
        path.write_text(key + newline, encoding="utf-8")
        os.chmod(path, mode)
        return path


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def canary() -> str:
    return make_canary()


@pytest.fixture
def keyring_none() -> Callable[[str], KeyringResult]:
    return no_keyring
