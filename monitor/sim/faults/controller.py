"""Which faults are on, where and how often: the controller and the command-line form.

An activation may be narrowed to a path prefix (`scope`), fire with a probability or a number of
times (`count`), and live in a window of clock seconds (`at`/`until`, which is how faults are
scripted). Draws use a seeded generator, so a scripted run repeats exactly.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Any

from monitor.clock import Clock
from monitor.sim.faults.catalogue import build_catalogue
from monitor.sim.faults.core import Activation, FaultSpec


class FaultController:
    """Which faults are on, where and how often; consulted once per request.

    Args:
        clock: the injected clock (time windows, flapping, HTTP dates).
        seed: for probability draws, so a scripted run repeats exactly.
    """

    def __init__(self, clock: Clock, seed: int = 0) -> None:
        self.clock = clock
        self.catalogue = build_catalogue(clock)
        self.aliases = {a: spec.id for spec in self.catalogue.values() for a in spec.aliases}
        self._rng = random.Random(seed)
        self._origin = clock.monotonic()
        self._active: list[Activation] = []

    def resolve(self, name: str) -> FaultSpec:
        """A catalogue entry by id or alias (case-insensitive); KeyError naming the choices."""
        key = name.strip()
        for candidate in (key, key.upper(), key.lower()):
            if candidate in self.catalogue:
                return self.catalogue[candidate]
            if candidate in self.aliases:
                return self.catalogue[self.aliases[candidate]]
        raise KeyError(f"unknown fault {name!r}; known: {', '.join(self.names())}")

    def names(self) -> list[str]:
        return sorted([*self.catalogue, *self.aliases])

    def enable(
        self,
        fault: str,
        *,
        scope: str | None = None,
        probability: float = 1.0,
        count: int | None = None,
        at: float | None = None,
        until: float | None = None,
        **params: Any,
    ) -> Activation:
        """Switch a fault on; `at`/`until` are clock seconds from now (scripting)."""
        spec = self.resolve(fault)
        now = self.clock.monotonic()
        activation = Activation(
            spec,
            scope=_normalise_scope(scope),
            probability=probability,
            count=count,
            at=None if at is None else now + at,
            until=None if until is None else now + until,
            params=dict(params),
            origin=now,
        )
        self._active.append(activation)
        return activation

    def disable(self, fault: str) -> int:
        """Switch off every activation of this fault; how many there were."""
        fid = self.resolve(fault).id
        before = len(self._active)
        self._active = [a for a in self._active if a.id != fid]
        return before - len(self._active)

    def clear(self) -> None:
        self._active.clear()

    def active(self) -> list[Activation]:
        return list(self._active)

    def is_active(self, fault: str) -> bool:
        fid = self.resolve(fault).id
        return any(a.id == fid for a in self._active)

    def script(self, steps: Iterable[tuple[float, float | None, str, Mapping[str, Any]]]) -> None:
        """Schedule faults: (start s, end s or None, fault, options) relative to now."""
        for at, until, fault, options in steps:
            self.enable(fault, at=at, until=until, **dict(options))

    def apply_specs(self, text: str | Iterable[str]) -> list[Activation]:
        """Switch on faults from the command-line form (see `parse_fault_specs`)."""
        return [self.enable(name, **opts) for name, opts in parse_fault_specs(text)]

    def fire(self, path: str, now: float) -> list[Activation]:
        """The activations that act on this request, each counted as fired."""
        fired: list[Activation] = []
        spent = False
        for a in self._active:
            if a.at is not None and now < a.at:
                continue
            if a.until is not None and now >= a.until:
                continue
            if a.scope is not None and not path.startswith(a.scope):
                continue
            if a.spec.applies is not None and not a.spec.applies(path):
                continue
            if a.probability < 1.0 and self._rng.random() >= a.probability:
                continue
            a.n = a.fired
            a.fired += 1
            fired.append(a)
            if a.count is not None:
                a.count -= 1
                spent = spent or a.count <= 0
        if spent:
            self._active = [a for a in self._active if a.count is None or a.count > 0]
        return fired

    def describe(self) -> list[dict[str, Any]]:
        """The catalogue, for `/_sim/faults` and help texts."""
        return [
            {
                "id": s.id,
                "aliases": list(s.aliases),
                "stage": s.stage,
                "description": s.description,
                "active": any(a.id == s.id for a in self._active),
            }
            for s in self.catalogue.values()
        ]


def _normalise_scope(scope: str | None) -> str | None:
    if not scope:
        return None
    scope = scope if scope.startswith("/") else "/" + scope
    return scope if scope.startswith(("/v1", "/_sim")) else "/v1" + scope


_OPTION_KEYS = {"scope": "scope", "p": "probability", "probability": "probability",
                "n": "count", "count": "count", "at": "at", "until": "until"}  # fmt: skip


def parse_fault_specs(text: str | Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    """`"slow:delay=2,5xx-json:p=0.3:scope=/calls,429-storm:at=30:until=60"` to (name, options).

    Options: `scope` (path prefix), `p` (probability), `n` (count), `at`/`until` (clock seconds
    from start); anything else is a fault parameter (numbers are converted).
    """
    parts = [text] if isinstance(text, str) else list(text)
    out: list[tuple[str, dict[str, Any]]] = []
    for part in parts:
        for item in part.split(","):
            item = item.strip()
            if not item:
                continue
            name, *opts = item.split(":")
            options: dict[str, Any] = {}
            for opt in opts:
                key, sep, value = opt.partition("=")
                if not sep:
                    raise ValueError(f"fault option {opt!r} in {item!r} is not key=value")
                target = _OPTION_KEYS.get(key.strip(), key.strip())
                options[target] = _convert(target, value.strip())
            out.append((name.strip(), options))
    return out


def _convert(key: str, value: str) -> Any:
    if key == "scope":
        return value
    if key == "count":
        return int(value)
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and key not in ("probability",) else number
