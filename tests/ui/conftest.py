"""UI test fixtures: host-independent time zone, private state dir, a fast app factory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from monitor.feeds import LiveFeed
from monitor.ui.app import MonitorApp
from monitor.ui.state_file import UiState
from tests.envfix import utc_and_private_dirs
from tests.ui.fixtures import FakeEngine, make_engine

_utc_and_private_dirs = pytest.fixture(autouse=True)(utc_and_private_dirs)

AppFactory = Callable[..., tuple[MonitorApp, FakeEngine]]


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    """An app on a live feed over a fake engine whose store the test writes (the engine's
    side of the feed), drawing new data at once (no 1 s coalescing wait)."""

    def factory(engine: FakeEngine | None = None, **kwargs: Any) -> tuple[MonitorApp, FakeEngine]:
        engine = engine or make_engine()
        kwargs.setdefault("ui_state", UiState.load(tmp_path / "state" / "ui-state.json"))
        kwargs.setdefault("min_render_interval_s", 0.0)
        kwargs.setdefault("tick", engine.settings.tick)
        kwargs.setdefault("theme", engine.settings.theme)
        app = MonitorApp(LiveFeed(engine), **kwargs)
        return app, engine

    return factory


def environ_has_no_color() -> bool:
    return "NO_COLOR" in os.environ
