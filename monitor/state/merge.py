"""Records are merged, never replaced.

The API answers about one call from several reads (the in-flight list, the endings list, a
lookup by id, `/calls/{id}`, a campaign's call logs), and they do not all carry the same fields:
the OpenAPI call schema requires only `id`, and `/calls/{id}` may leave out `batch_id` that the
list read gave. Replacing the record with each read would take a dialling call out of its
campaign ("in flight 1", then "in flight 0"). The rule, for calls and campaigns alike:

- a field the later read did not carry (absent, or `null`) keeps its last known value;
- a field the later read carried wins, changed or not;
- fields that only make sense together (a status and the word it was read from) move together;
- what describes the read itself (`unread`: fields it had but could not read) is the later
  read's, so a value kept from an earlier read is not flagged for that read's sake;
- a read whose status is a stage behind the known one (`behind`) is not taken at all: it was
  made before the read that moved the call on (each attempt is its own call, and only moves
  on): a sweep's page sent before the endings page that landed first, the queue's pages read
  before the active sweep saw a call dialled, a lagging replica.

"Carried" is the model's `model_fields_set`: the models' `before` validators hand pydantic only
the fields the read had a value for, so a default is never mistaken for a reading.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from monitor.api.vocab import CallStatus

M = TypeVar("M", bound=BaseModel)

COUPLED: tuple[frozenset[str], ...] = (frozenset({"status", "status_raw"}),)
"""Fields taken from the later read together: a status derived from an end reason alone must
not sit beside the raw word of an earlier, different status."""


PER_READ = frozenset({"unread"})
"""Fields that describe one read, not the record: always the later read's."""


_STAGES = {CallStatus.QUEUED: 0, CallStatus.DIALING: 1, CallStatus.IN_PROGRESS: 2}
_ENDED = 3


def behind(read: CallStatus, known: CallStatus) -> bool:
    """Whether a read's status is a stage behind the known one (queued, dialling, in
    progress, ended); a status not read (`unknown`) is behind nothing and ahead of nothing."""
    if CallStatus.UNKNOWN in (read, known):
        return False
    return _STAGES.get(read, _ENDED) < _STAGES.get(known, _ENDED)


MAX_SHAPES = 1024
"""Shapes of reads kept by `carried`."""

_CARRIED: dict[tuple[type[BaseModel], frozenset[str]], tuple[str, ...]] = {}
"""What a read `carried`, per model and set of fields the read had: a handful of shapes (what
each endpoint sends), worked out once rather than with set arithmetic on every merge (issue
21: a sweep merges about a hundred records)."""


def carried(record: BaseModel) -> tuple[str, ...]:
    """The fields this read carried a value for (coupled fields count as one)."""
    kind = type(record)
    key = (kind, frozenset(record.model_fields_set))
    names = _CARRIED.get(key)
    if names is None:
        model_fields = set(kind.model_fields)
        fields = set(key[1]) | (PER_READ & model_fields)
        for group in COUPLED:
            if fields & group:
                fields |= group & model_fields
        if len(_CARRIED) >= MAX_SHAPES:
            _CARRIED.clear()  # an API that varies its fields row by row: never grow
        # In the model's own order, so the merged record's fields are set in a fixed order.
        names = _CARRIED[key] = tuple(n for n in kind.model_fields if n in fields)
    return names


def merge_record(old: M, new: M) -> M:
    """`old` updated with what `new` carried; `old` itself when nothing changes.

    The result remembers the union of what both reads carried, so a third read that leaves a
    field out still keeps the value the first one gave.
    """
    # The fields' values as pydantic keeps them (a model's fields are its `__dict__`).
    before, after = old.__dict__, new.__dict__
    update = {name: after[name] for name in carried(new) if after[name] != before[name]}
    if not update:
        return old
    return old.model_copy(update=update)
