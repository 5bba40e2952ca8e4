"""The data layers run headless: importing them must not pull in Textual or the UI."""

from __future__ import annotations

import subprocess
import sys


def test_data_layers_do_not_import_textual_or_the_ui() -> None:
    code = (
        "import sys\n"
        "import monitor.api.client, monitor.polling.engine, monitor.state.views, monitor.sim\n"
        "import monitor.feeds, monitor.state.snapshot\n"
        "import monitor.snapshot\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', "
        "'monitor.ui')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_the_ui_imports_no_client_engine_or_simulator() -> None:
    """The UI renders snapshots from a feed: the wiring (client, engine, simulator) is the
    entry's (`monitor.main`), so importing the whole UI loads none of them."""
    code = (
        "import sys\n"
        "import monitor.ui.app\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('monitor.api.client', "
        "'monitor.polling', 'monitor.sim', 'httpx')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
