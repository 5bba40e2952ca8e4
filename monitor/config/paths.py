"""Where the monitor keeps things on disk, in one place (`config show` prints them all).

The config file, the log directory, and the user data directory for the UI's saved view state
and CSV exports. Each has an environment variable that overrides it (tests, hosts where the home
directory is shared); otherwise platformdirs decides. Nothing here touches the disk except
`ensure_private_dir`, so importing or asking for a path never creates a directory.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "dialnexa-monitor"
CONFIG_PATH_ENV = "DIALNEXA_MONITOR_CONFIG"
"""Overrides the config file's path (tests, and people who keep it elsewhere)."""
LOG_DIR_ENV = "DIALNEXA_MONITOR_LOG_DIR"
"""Overrides the log directory (tests, or hosts where the home directory is shared)."""
STATE_DIR_ENV = "DIALNEXA_MONITOR_STATE_DIR"
STATE_FILE_NAME = "ui-state.json"
EXPORTS_DIR_NAME = "exports"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file's path: `DIALNEXA_MONITOR_CONFIG`, else the platform's user config dir.

    No file system access: the directory is not created.
    """
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_PATH_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def log_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where logs go: `DIALNEXA_MONITOR_LOG_DIR`, else platformdirs' user log directory."""
    env = os.environ if environ is None else environ
    override = env.get(LOG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the UI keeps its state and exports (`DIALNEXA_MONITOR_STATE_DIR` overrides)."""
    env = os.environ if environ is None else environ
    override = env.get(STATE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def ensure_private_dir(path: Path) -> None:
    """Create `path` as 0700, tightening it if it already exists and is ours."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        st = path.stat()
        getuid = getattr(os, "geteuid", None)
        if (getuid is None or st.st_uid == getuid()) and stat.S_IMODE(st.st_mode) & 0o077:
            path.chmod(0o700)
    except OSError:  # pragma: no cover - read-only or foreign directory: the open will say
        pass
