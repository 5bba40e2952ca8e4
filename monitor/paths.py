"""Where the monitor keeps things on disk, in one place (`config show` prints them all).

The config file is `monitor.config.config_path`; the log directory `monitor.logs.log_dir`.
The UI's saved view state and CSV exports go to the user data directory, here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "dialnexa-monitor"
STATE_DIR_ENV = "DIALNEXA_MONITOR_STATE_DIR"
STATE_FILE_NAME = "ui-state.json"
EXPORTS_DIR_NAME = "exports"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the UI keeps its state and exports (`DIALNEXA_MONITOR_STATE_DIR` overrides)."""
    env = os.environ if environ is None else environ
    override = env.get(STATE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)
