"""DialNexaClient: the one way the monitor talks to the API, one method per endpoint.

GET only, with an injectable transport so `--demo` and the tests run the same code against the
simulator. The methods here build paths and parameters (ids checked before they go into a URL)
and parse the answers into tolerant models; one request from gate to listeners is
`connection.ApiConnection`, the wire is `transport`, and what a status means is `responses`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from pydantic import ValidationError

from monitor.api.connection import ApiConnection, ResponseInfo
from monitor.api.errors import BadPayload
from monitor.api.models import (
    LIVE_DURATION,
    Call,
    Campaign,
    RetryHistory,
    parse_retry_history,
)
from monitor.api.pages import Page, ReadNote, describe_error, parse_page, unwrap
from monitor.api.rowcache import GENERATION, RowCache
from monitor.api.transport import (
    DEADLINE_S,
    MAX_BODY_BYTES,
    MAX_ERROR_BODY_BYTES,
    MIB,
    BearerAuth,
)

__all__ = [
    "CALLS_PAGE_SIZE",
    "DEADLINE_S",
    "ID_PATTERN",
    "MAX_BODY_BYTES",
    "MAX_ERROR_BODY_BYTES",
    "MAX_PAGES",
    "MAX_PAGE_SIZE",
    "MIB",
    "NOT_MODIFIED",
    "BatchDetail",
    "BearerAuth",
    "DialNexaClient",
    "ResponseInfo",
    "check_id",
    "iter_pages",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_PAGES = 50
"""Hard stop when paging, so a server that repeats pages cannot trap a poller (P10)."""
MAX_PAGE_SIZE = 100
"""The reference site's maximum; the OpenAPI allows 200 on some paths. Ask for at most 100..."""
CALLS_PAGE_SIZE = 200
"""...except on `GET /calls`, whose OpenAPI maximum is 200 (`polling.sweep.PageWidth` tells a
server that cuts at 100 apart)."""

CAMPAIGN_ROWS = 256
"""Rows per generation of the campaigns' row cache (`RowCache`): one whole read of the list
(200 campaigns at `many200`) fits in one. The calls' default (1,000) held 2,000 campaign
records of about 2.9 KiB each once full, and on `busy` with turnover (every read's rows new as
their counts move) it took 3.5 simulated hours to fill: 3.8 MiB of the soak's growth from h1.
More campaigns than that are found less often (read in full), never wrongly."""

ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$")
"""Ids go into URL paths: anything else (`../x`, `a/b`, `%2F`) is refused before a request (P18)."""

NOT_MODIFIED: Final = object()


@dataclass(frozen=True, slots=True)
class BatchDetail:
    """`GET /batch-calls/{id}`: the OpenAPI returns the batch's calls, the reference site the
    batch itself; one of the two is set."""

    batch: Campaign | None
    calls: Page[Call] | None


def check_id(value: str, what: str = "id") -> str:
    if not ID_PATTERN.fullmatch(value):
        raise BadPayload(f"Refused an invalid {what} (not a plain identifier)", where=what)
    return value


class DialNexaClient(ApiConnection):
    """Read-only DialNexa API client (GET only)."""

    _row_readers: dict[type[Any], RowCache[Any]] | None = None
    """Per model, the rows of list pages read lately (`monitor.api.rowcache`)."""

    def __repr__(self) -> str:
        return f"DialNexaClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> DialNexaClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- endpoints -------------------------------------------------------------------------

    def _one(self, model: type[T], payload: Any, path: str) -> T:
        payload = unwrap(payload)
        try:
            record: T = model.model_validate(payload)  # type: ignore[attr-defined]
        except ValidationError as exc:
            raise BadPayload(
                f"Bad payload from {path}: {describe_error(exc)}",
                where=describe_error(exc),
                path=path,
            ) from None
        unread = getattr(record, "unread", ())
        if unread:
            self._tell_read(ReadNote(path, unread=dict.fromkeys(unread, 1)))
        return record

    @staticmethod
    def _limit(limit: int, maximum: int = MAX_PAGE_SIZE) -> int:
        return max(1, min(limit, maximum))

    async def list_calls(
        self,
        *,
        page: int = 1,
        limit: int = MAX_PAGE_SIZE,
        statuses: Sequence[str] | None = None,
        batch_call_id: str | None = None,
        start_date: str | None = None,
        call_ids: Sequence[str] | None = None,
        oldest_first: bool = False,
    ) -> Page[Call]:
        """`GET /calls`, newest first (`oldest_first`: the OpenAPI's `created_at=asc`); a bare
        array (OpenAPI) or `{data, meta}`.

        `call_ids`: the OpenAPI's `call_id` comma list, many calls' current state in one request.
        """
        limit = self._limit(limit, CALLS_PAGE_SIZE)
        params = {
            "page": page,
            "limit": limit,
            "status": ",".join(statuses) if statuses else None,
            "batch_call_id": check_id(batch_call_id, "campaign id") if batch_call_id else None,
            "start_date": start_date,
            "call_id": ",".join(check_id(i, "call id") for i in call_ids) if call_ids else None,
            "created_at": "asc" if oldest_first else None,
        }
        payload = await self.get_json("/calls", params)
        return self._page(payload, Call, page, limit, "/calls")

    async def get_call(self, call_id: str) -> Call:
        path = f"/calls/{check_id(call_id, 'call id')}"
        return self._one(Call, await self.get_json(path, object_id=call_id), path)

    async def list_call_logs(
        self, *, page: int = 1, limit: int = MAX_PAGE_SIZE, status: str | None = None
    ) -> Page[Call]:
        limit = self._limit(limit)
        payload = await self.get_json(
            "/call-logs", {"page": page, "limit": limit, "status": status}
        )
        return self._page(payload, Call, page, limit, "/call-logs")

    async def list_campaign_logs(
        self,
        campaign_id: str,
        *,
        page: int = 1,
        limit: int = MAX_PAGE_SIZE,
        status: str | None = None,
    ) -> Page[Call]:
        """`GET /call-logs/campaign/{id}`: one campaign's logs; `limit=1` reads a count."""
        limit = self._limit(limit)
        path = f"/call-logs/campaign/{check_id(campaign_id, 'campaign id')}"
        payload = await self.get_json(
            path, {"page": page, "limit": limit, "status": status}, object_id=campaign_id
        )
        return self._page(payload, Call, page, limit, path)

    async def get_retries(self, call_id: str) -> RetryHistory:
        """`GET /call-logs/{id}/retries` for the parent (first) call of a series."""
        path = f"/call-logs/{check_id(call_id, 'call id')}/retries"
        payload = await self.get_json(path, object_id=call_id)
        history = parse_retry_history(payload, call_id)
        if history.call_id != call_id:
            # Another call's series is not this one's: an error, as a call record with
            # another id is, never shown as the asked-for call's history.
            raise BadPayload(
                f"The API answered {path} with another call's retry history; not shown",
                where="call_id",
                path=path,
            )
        return history

    async def get_campaign(self, campaign_id: str) -> Campaign:
        path = f"/campaigns/{check_id(campaign_id, 'campaign id')}"
        return self._one(Campaign, await self.get_json(path, object_id=campaign_id), path)

    async def list_campaigns(self, *, page: int = 1, limit: int = MAX_PAGE_SIZE) -> Page[Campaign]:
        limit = self._limit(limit)
        payload = await self.get_json("/campaigns", {"page": page, "limit": limit})
        return self._page(payload, Campaign, page, limit, "/campaigns")

    async def list_batches(
        self, *, page: int = 1, limit: int = MAX_PAGE_SIZE, status: str | None = None
    ) -> Page[Campaign]:
        limit = self._limit(limit)
        payload = await self.get_json(
            "/batch-calls", {"page": page, "limit": limit, "status": status}
        )
        return self._page(payload, Campaign, page, limit, "/batch-calls")

    async def get_batch(
        self,
        batch_id: str,
        *,
        page: int = 1,
        limit: int = MAX_PAGE_SIZE,
        status: str | None = None,
    ) -> BatchDetail:
        limit = self._limit(limit)
        path = f"/batch-calls/{check_id(batch_id, 'batch id')}"
        payload = unwrap(
            await self.get_json(
                path, {"page": page, "limit": limit, "status": status}, object_id=batch_id
            )
        )
        if isinstance(payload, dict) and any(k in payload for k in ("callLogs", "data", "items")):
            return BatchDetail(batch=None, calls=self._page(payload, Call, page, limit, path))
        return BatchDetail(batch=self._one(Campaign, payload, path), calls=None)

    def _page(self, payload: Any, model: type[Any], page: int, limit: int, path: str) -> Page[Any]:
        if self._row_readers is None:
            self._row_readers = {}
        read = self._row_readers.get(model)
        if read is None:
            # Rows read again unchanged (most, every few seconds) are not read again.
            volatile = LIVE_DURATION if model is Call else None
            size = CAMPAIGN_ROWS if model is Campaign else GENERATION
            read = self._row_readers[model] = RowCache(
                model.model_validate, size, volatile=volatile
            )
        result = parse_page(payload, read, page=page, limit=limit, key=lambda m: m.id, path=path)
        if result.skipped or result.unread:
            self._tell_read(
                ReadNote(path, result.skipped, result.skip_reasons, dict(result.unread))
            )
        return result


async def iter_pages(
    fetch: Callable[[int], Awaitable[Page[T]]], *, max_pages: int = MAX_PAGES
) -> AsyncIterator[Page[T]]:
    """Page forward until the last page, a short or empty page, a repeat, or the hard cap."""
    first_ids: set[object] = set()
    for number in range(1, max_pages + 1):
        page = await fetch(number)
        marker = tuple(str(getattr(item, "id", "")) for item in page.items) or None
        if marker is not None and marker in first_ids:
            log.warning("pagination repeated a page; stopping at page %d", number)
            return
        first_ids.add(marker)
        yield page
        if page.is_last or page.raw_count == 0:
            return
    log.warning("pagination stopped at the %d-page cap", max_pages)
