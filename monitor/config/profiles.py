"""Profiles: named `[profiles.NAME]` tables of the config file, laid over its top level.

A profile is chosen by `--profile`, else `DIALNEXA_PROFILE`, else the file's `default_profile`;
asking for one that does not exist is an error that lists the ones that do. The chosen table is
a settings source of its own (`ProfileSource`), between the environment and the file's top
level, so a profile overrides the shared values and the environment still overrides the
profile. The keyring is asked for the key under the profile's name.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic_settings import BaseSettings

from monitor.config.errors import suggest
from monitor.config.file import ConfigDocument
from monitor.config.paths import CONFIG_PATH_ENV
from monitor.config.settings import EXAMPLE_CONFIG, PROFILE_ENV, ConfigError
from monitor.config.sources import FileTableSource


class ProfileSource(FileTableSource):
    """The chosen `[profiles.NAME]` table; its origins end in " [profiles.NAME]"."""

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        document: ConfigDocument,
        name: str,
        *,
        known_only: bool = False,
    ) -> None:
        self.name = name
        super().__init__(settings_cls, document, ("profiles", name), known_only=known_only)

    def _origin_suffix(self) -> str:
        return f" [profiles.{self.name}]"


def choose_profile(
    document: ConfigDocument, profile: str | None, environ: Mapping[str, str]
) -> tuple[str | None, str]:
    """The profile to use and where that choice came from ("flag --profile", "default"...).

    Args:
        document: the config file.
        profile: `--profile`, or None.
        environ: the environment, for `DIALNEXA_PROFILE`.

    Raises:
        ConfigError: the profile does not exist (listing those that do), there is no file, or
            `default_profile` is not a name.
    """
    if profile:
        chosen, origin = profile, "flag --profile"
    elif environ.get(PROFILE_ENV):
        chosen, origin = environ[PROFILE_ENV], f"env {PROFILE_ENV}"
    elif "default_profile" in document.data:
        value = document.data["default_profile"]
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f"{document.place(('default_profile',))}: default_profile must be the name of a "
                'profile in double quotes, like default_profile = "eu".'
            )
        chosen, origin = value, f"file {document.place_short(('default_profile',))}"
    else:
        return None, "default"
    if not document.exists:
        raise ConfigError(
            f"Profile {chosen!r} was asked for ({origin}), but there is no config file at "
            f"{document.path}. Create it with a [profiles.{chosen}] section "
            f"(see {EXAMPLE_CONFIG}), or set {CONFIG_PATH_ENV} to the file that has it."
        )
    raw_profiles = document.data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError(
            f"{document.place(('profiles',))}: profiles must be sections written "
            "[profiles.NAME], not a single value."
        )
    names = tuple(sorted(raw_profiles))
    if chosen not in raw_profiles:
        available = (
            f"Available profiles: {', '.join(names)}.{suggest(chosen, names)}"
            if names
            else "The file defines no profiles ([profiles.NAME] sections)."
        )
        raise ConfigError(
            f"There is no profile {chosen!r} in {document.path} (asked for by {origin}). "
            f"{available}"
        )
    return chosen, origin
