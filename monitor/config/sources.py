"""The configuration layers as pydantic-settings sources, each recording where its values came from.

Highest precedence first (see `Settings.settings_customise_sources`):

- the flags, as `Settings`' init arguments (`FlagLayer` prepares them);
- `EnvironmentSource`: `DIALNEXA_*` variables from an injected mapping, through
  pydantic-settings' `EnvSettingsSource` (prefix, `__` nesting, JSON for the poll section);
- the selected profile's table of the config file (`monitor.config.profiles.ProfileSource`);
- `FileTableSource`: the top level of the config file, a `TomlConfigSettingsSource` over the
  document read once by `monitor.config.file`;
- the defaults.

pydantic-settings merges them (nested sections such as `[poll]` key by key). Each source also
keeps `origins`, by dotted name ("poll.analysis_s" -> "file PATH:13 [profiles.eu]"), so
`config show` can say where every value came from and an error can name the line, variable or
flag that set the wrong value.

A plan name is a shortcut for the concurrency cap. Each layer turns its own plan into a cap
unless that same layer sets the cap, so whichever of the two was set at the higher layer wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    SettingsError,
    TomlConfigSettingsSource,
)

from monitor.config.errors import flag_name, suggest
from monitor.config.file import ConfigDocument
from monitor.config.file_checks import TOP_ONLY
from monitor.config.settings import ENV_PREFIX, PLAN_CAPS, POLL_FIELDS, SETTABLE, ConfigError

if TYPE_CHECKING:
    from pydantic_settings.sources import ConfigFileSourceType

Origins = dict[str, str]
"""Where each value came from, by dotted name: "file PATH:LINE", "env NAME", "flag --NAME"."""


def add_plan_cap(values: dict[str, Any], origins: Origins) -> None:
    """Within one layer, turn a known plan name into the cap, unless the layer sets the cap."""
    plan = values.get("plan")
    if "concurrency_cap" in values or not isinstance(plan, str):
        return
    name = plan.strip().lower()
    if name in PLAN_CAPS:
        values["concurrency_cap"] = PLAN_CAPS[name]
        origins["concurrency_cap"] = f"{origins['plan']} (plan {name})"


class FileTableSource(TomlConfigSettingsSource):
    """One table of the config file as a source: the top level here, a profile in a subclass.

    The file is opened, checked and parsed once by `monitor.config.file`; this source only
    picks its table out of that document (reading the path again could read another file).

    Args:
        settings_cls: the settings model.
        document: the config file as read.
        table: the table's key path in the file; () for the top level.
        known_only: leave unknown names out (to check the values of a file whose names are
            wrong, and report both at once).
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        document: ConfigDocument,
        table: tuple[str, ...] = (),
        *,
        known_only: bool = False,
    ) -> None:
        self.document = document
        self.table = table
        self.known_only = known_only
        self.origins: Origins = {}
        self.values = self._table_values()
        super().__init__(settings_cls, toml_file=document.path if document.exists else None)

    def _read_files(
        self, files: ConfigFileSourceType | None, deep_merge: bool = False
    ) -> dict[str, Any]:
        return self.values

    def _origin_suffix(self) -> str:
        return ""

    def _table_values(self) -> dict[str, Any]:
        data: Mapping[str, Any] = self.document.data
        for key in self.table:
            data = data.get(key, {})
        values: dict[str, Any] = {}
        suffix = self._origin_suffix()
        for name, value in data.items():
            if name in TOP_ONLY or (self.known_only and name not in SETTABLE):
                continue
            if name == "poll":
                if self.known_only:
                    value = {k: v for k, v in value.items() if k in POLL_FIELDS}
                values["poll"] = dict(value)
                for sub in value:
                    where = self.document.place_short((*self.table, "poll", sub))
                    self.origins[f"poll.{sub}"] = f"file {where}{suffix}"
                continue
            if name == "api_key_file" and isinstance(value, str):
                # Relative to the config file, so the pair can move together.
                value = self.document.path.parent / Path(value).expanduser()
            values[name] = value
            self.origins[name] = f"file {self.document.place_short((*self.table, name))}{suffix}"
        add_plan_cap(values, self.origins)
        return values


class EnvironmentSource(EnvSettingsSource):
    """pydantic-settings' environment source reading an injected mapping, not os.environ.

    Only user-settable names are read: `DIALNEXA_API_KEY` is a credential (`monitor.config.key`
    reads it) and `DIALNEXA_PROFILE` chooses a profile (`monitor.config.profiles`).

    Raises:
        ConfigError: `DIALNEXA_POLL` is not valid JSON.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)
        self.origins: Origins = {}
        self.values = self._collect()

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name not in SETTABLE:
            return None, field_name, False
        return super().get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        return self.values

    def _collect(self) -> dict[str, Any]:
        try:
            values = dict(super().__call__())
        except SettingsError:
            raise ConfigError(
                f"The environment variable {ENV_PREFIX}POLL is not valid JSON. Set single "
                f"cadences instead, for example {ENV_PREFIX}POLL__ACTIVE_CALLS_S=10."
            ) from None
        upper = {k.upper() for k in self._environ}
        for name, value in list(values.items()):
            if name not in SETTABLE:
                del values[name]
                continue
            var = f"{ENV_PREFIX}{name.upper()}"
            if name == "poll" and isinstance(value, dict):
                for sub in value:
                    nested = f"{var}__{sub.upper()}"
                    self.origins[f"poll.{sub}"] = f"env {nested if nested in upper else var}"
            else:
                self.origins[name] = f"env {var}"
        if isinstance(values.get("api_key_file"), str):
            values["api_key_file"] = Path(values["api_key_file"]).expanduser()
        add_plan_cap(values, self.origins)
        return values


class FlagLayer:
    """The flags' values and origins, passed to `Settings` as its init arguments.

    Args:
        given: flag values by setting name (`None` was already dropped: "flag not given");
            `poll` may be a mapping of cadences.
        api_key_file: `--api-key-file`, recorded as a setting too (`config show` prints it).

    Raises:
        ConfigError: a name that maps onto no user-settable setting.
    """

    def __init__(self, given: Mapping[str, Any], api_key_file: Path | None) -> None:
        self.values: dict[str, Any] = {}
        self.origins: Origins = {}
        for name, value in given.items():
            if name not in SETTABLE:
                raise ConfigError(
                    f"{flag_name(name)} does not map onto a setting.{suggest(name, SETTABLE)} "
                    f"Settings: {', '.join(SETTABLE)}."
                )
            if name == "poll" and isinstance(value, Mapping):
                self.values.setdefault("poll", {}).update(value)
                self.origins.update({f"poll.{sub}": f"flag {flag_name(sub)}" for sub in value})
                continue
            self.values[name] = value
            self.origins[name] = f"flag {flag_name(name)}"
        if api_key_file is not None:
            self.values["api_key_file"] = api_key_file.expanduser()
            self.origins["api_key_file"] = "flag --api-key-file"
        add_plan_cap(self.values, self.origins)
