"""Configuration: settings on pydantic-settings sources, profiles, the key, logs and paths.

Modules, by idea:

- `settings`: the `Settings` model, its bounds and defaults, and `ConfigError`;
- `paths`: where the config file, the logs and the UI's state live;
- `file`, `file_checks`: the config file read once and safely, and its names checked;
- `sources`, `profiles`: one pydantic-settings source per layer (flags, environment, profile,
  file), each recording where its values came from;
- `load`: `load_settings`, which chooses the profile, builds the sources and finds the key;
- `key`, `secrets`: the API key as a credential (key files, keyring, never echoed);
- `errors`: every problem as one plain paragraph;
- `logs`: the private, masked log file;
- `command`: `dialnexa-monitor config path|show|check`.

The names other parts of the monitor use are importable from here.
"""

from __future__ import annotations

from monitor.config.file import MAX_CONFIG_BYTES, check_config_file
from monitor.config.key import require_api_key
from monitor.config.load import load_settings, overrides_from_args, settings_from_args
from monitor.config.paths import APP_NAME, CONFIG_PATH_ENV, config_path
from monitor.config.secrets import keyring_lookup
from monitor.config.settings import (
    API_KEY_ENV,
    DEFAULT_BASE_URL,
    ENV_PREFIX,
    EXAMPLE_CONFIG,
    PLAN_CAPS,
    POLL_FIELDS,
    PROFILE_ENV,
    SETTABLE,
    ConfigError,
    LogLevel,
    Plan,
    PollSettings,
    Settings,
    validate_base_url,
)

__all__ = [
    "API_KEY_ENV",
    "APP_NAME",
    "CONFIG_PATH_ENV",
    "DEFAULT_BASE_URL",
    "ENV_PREFIX",
    "EXAMPLE_CONFIG",
    "MAX_CONFIG_BYTES",
    "PLAN_CAPS",
    "POLL_FIELDS",
    "PROFILE_ENV",
    "SETTABLE",
    "ConfigError",
    "LogLevel",
    "Plan",
    "PollSettings",
    "Settings",
    "check_config_file",
    "config_path",
    "keyring_lookup",
    "load_settings",
    "overrides_from_args",
    "require_api_key",
    "settings_from_args",
    "validate_base_url",
]
