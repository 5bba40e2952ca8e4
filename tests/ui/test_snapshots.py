"""Snapshots at 80x24, 60x20 and 200x50: dashboard, campaign screen, call screen, error states.

Fixed store data and a frozen FakeClock; the app clock's ticks then change nothing, so each
SVG is deterministic. Regenerate with `pytest tests/ui/test_snapshots.py --snapshot-update`,
then look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import AppFactory
from tests.ui.fixtures import FakeEngine, key_refused, make_engine, outage

SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((60, 20), id="60x20"),
    pytest.param((200, 50), id="200x50"),
]
"""The sizes a desk operator's terminal has: the default, a split pane, a big screen."""

Snap = Callable[..., bool]


async def _settle(pilot: Pilot[int]) -> None:
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare: Snap, make_app: AppFactory, size: tuple[int, int]) -> None:
    app, _ = make_app()
    assert snap_compare(app, terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_campaign_screen(snap_compare: Snap, make_app: AppFactory, size: tuple[int, int]) -> None:
    app, _ = make_app()

    async def drill(pilot: Pilot[int]) -> None:
        await pilot.pause()
        app.open_campaign("cmp_spring01")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=drill)


@pytest.mark.parametrize("size", SIZES)
def test_call_screen(snap_compare: Snap, make_app: AppFactory, size: tuple[int, int]) -> None:
    app, _ = make_app()

    async def drill(pilot: Pilot[int]) -> None:
        await pilot.pause()
        await pilot.press("down", "enter")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=drill)


def _errored(make_app: AppFactory, fault: Callable[[FakeEngine], None]) -> Callable[..., object]:
    engine = make_engine()
    app, _ = make_app(engine)

    async def run(pilot: Pilot[int]) -> None:
        await pilot.pause()
        fault(engine)
        await _settle(pilot)

    return app, run  # type: ignore[return-value]


@pytest.mark.parametrize("size", SIZES)
def test_key_refused(snap_compare: Snap, make_app: AppFactory, size: tuple[int, int]) -> None:
    app, run = _errored(make_app, key_refused)  # type: ignore[misc]
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_unreachable_and_stale(
    snap_compare: Snap, make_app: AppFactory, size: tuple[int, int]
) -> None:
    app, run = _errored(make_app, outage)  # type: ignore[misc]
    assert snap_compare(app, terminal_size=size, run_before=run)


def test_hostile_names_at_80x24(snap_compare: Snap, make_app: AppFactory) -> None:
    engine = make_engine(
        names={
            "cmp_spring01": "[@click=app.quit]Priya[/]",
            "cmp_winback2": "Ann\x1b[2J\x1b[1;1HFAKE: API key expired",
            "cmp_survey03": "\u202eevil.exe ＡＣＭＥ 👩\u200d🔬",
        }
    )
    app, _ = make_app(engine)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)
