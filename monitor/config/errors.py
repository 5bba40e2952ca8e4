"""Turning problems into the one plain paragraph a user reads.

Every message names the setting, where its value came from (file and line with the profile,
environment variable, or flag) and what it must be. Pydantic's own error text is never shown,
because it includes (truncated) input values (FAULTS H6): errors are read with
`include_input=False` and rewritten from their type and context.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from monitor.config.settings import POLL_FIELDS, SETTABLE

_FLAG_NAMES: Mapping[str, str] = {"tick": "--no-tick"}


def flag_name(name: str) -> str:
    """The command-line flag that sets `name` ("--base-url", "--no-tick")."""
    return _FLAG_NAMES.get(name, "--" + name.replace("_", "-"))


def suggest(name: str, valid: tuple[str, ...]) -> str:
    """ " Did you mean 'x'?" for the closest valid name, or nothing."""
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def origin_words(origin: str) -> str:
    """An origin ("env NAME") as words for a sentence ("the environment (NAME)")."""
    kind, _, rest = origin.partition(" ")
    if kind == "file":
        return f"the config file ({rest})"
    if kind == "env":
        return f"the environment ({rest})"
    if kind == "flag":
        return f"the command line ({rest})"
    return "the defaults"


def joined_problems(problems: list[str]) -> str:
    """One paragraph for one problem; numbered when there are several."""
    if len(problems) == 1:
        return problems[0]
    listed = " ".join(f"({n}) {p}" for n, p in enumerate(problems, 1))
    return f"{len(problems)} problems in the configuration: {listed}"


EXPECTED: Mapping[str, str] = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text (in double quotes in the file)",
    "tuple_type": "a list of campaign ids",
    "list_type": "a list",
    "iterable_type": "a list",
    "model_type": "a section of settings",
    "model_attributes_type": "a section of settings",
    "dict_type": "a section of settings",
    "path_type": "a file path",
    "string_too_short": "non-empty text",
}


def expected(error: Mapping[str, Any]) -> str:
    """What a wrong value must be, from a pydantic error's type and context."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in EXPECTED:
        return f"must be {EXPECTED[kind]}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', 'the documented values')}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {
            "greater_than_equal": ("at least", "ge"),
            "greater_than": ("more than", "gt"),
            "less_than_equal": ("at most", "le"),
            "less_than": ("less than", "lt"),
        }[kind]
        return f"must be {bound[0]} {ctx.get(bound[1])}"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "is not a setting"
    if kind == "missing":
        return "is required"
    return "is not valid here"


def base_url_message(exc: ValidationError, origins: Mapping[str, str]) -> str | None:
    """The base URL's own message, when `base_url` failed `validate_base_url`.

    A base URL that could leak the key is reported alone and first, in its own words, before
    any other wrong value.
    """
    for error in exc.errors(include_url=False, include_input=False):
        if tuple(error["loc"]) == ("base_url",) and error["type"] == "value_error":
            detail = str(error.get("msg", "")).removeprefix("Value error, ")
            origin = origins.get("base_url", "default")
            return f"base_url from {origin_words(origin)}: {detail}"
    return None


def validation_message(exc: ValidationError, origins: Mapping[str, str]) -> str:
    """Every wrong value in one paragraph, each with where it was set, none with its value."""
    problems: list[str] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
        index = next((part for part in error["loc"] if isinstance(part, int)), None)
        name = ".".join(loc) or "settings"
        origin = origins.get(name) or origins.get(loc[0] if loc else "", "default")
        item = f" (item {index + 1})" if index is not None else ""
        detail = expected(error)
        if error["type"] == "extra_forbidden":
            valid = POLL_FIELDS if name.startswith("poll.") else SETTABLE
            detail += "." + suggest(loc[-1], valid)
        end = "" if detail.endswith((".", "?")) else "."
        problems.append(f"{name}{item} from {origin_words(origin)} {detail}{end}")
    lead = "A setting is wrong" if len(problems) == 1 else f"{len(problems)} settings are wrong"
    return (
        f"{lead}: "
        + " ".join(problems)
        + " Fix the value where it is set (`dialnexa-monitor config show` lists every source)."
    )
