"""Typed errors: the only exceptions `monitor.api` lets out.

    ApiError
    ├── Unauthorized          401: key missing, wrong or revoked
    ├── Forbidden             403: no permission, or another org's object
    ├── NotFound              404 for an object that does not exist
    ├── EndpointUnavailable   404 for a path this API does not serve (use the fallback)
    ├── RateLimited           429, with the parsed Retry-After
    ├── ServerError           5xx, or any other unexpected status
    ├── BadRequest            400/422: the API refused our query (a filter spelling)
    ├── Timeout               no complete answer within the deadline
    ├── Unreachable           connection refused, DNS, reset, protocol error
    └── BadPayload            not JSON, wrong shape, too large, unexpected redirect

Every message is written for the person at the terminal. None carries the API key: messages are
built from the status, the vendor's `message` field and the path, never from headers or the
request object, and no exception keeps a reference to the request.
"""

from __future__ import annotations

from typing import ClassVar


class ApiError(Exception):
    """Base of every error the client raises."""

    kind: ClassVar[str] = "error"
    """The `errors[].kind` word in `snapshot`'s JSON."""
    transient: ClassVar[bool] = False
    """Worth retrying later with backoff (5xx, timeouts, network errors, 429)."""

    def __init__(self, message: str, *, path: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.status = status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, path={self.path!r}, status={self.status})"


class Unauthorized(ApiError):
    kind = "unauthorized"


class Forbidden(ApiError):
    kind = "forbidden"


class NotFound(ApiError):
    kind = "not_found"


class EndpointUnavailable(ApiError):
    """The path itself is not served here (the reference site documents paths the API lacks)."""

    kind = "not_found"


class RateLimited(ApiError):
    kind = "rate_limited"
    transient = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        path: str = "",
        status: int | None = 429,
    ) -> None:
        super().__init__(message, path=path, status=status)
        self.retry_after = retry_after
        """Seconds to wait as the server asked (clamped 1-300 s), or None when it did not say."""


class BadRequest(ApiError):
    """The API refused the query itself; callers may retry once with another spelling."""

    kind = "bad_request"


class ServerError(ApiError):
    kind = "server_error"
    transient = True

    def __init__(
        self,
        message: str,
        *,
        status: int,
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, path=path, status=status)
        self.retry_after = retry_after


class Timeout(ApiError):
    kind = "timeout"
    transient = True


class Unreachable(ApiError):
    kind = "unreachable"
    transient = True

    def __init__(self, message: str, *, reason: str, path: str = "") -> None:
        super().__init__(message, path=path)
        self.reason = reason
        """Short machine word: refused, dns, reset, protocol, tls, connect_timeout, network."""


class BadPayload(ApiError):
    kind = "bad_payload"

    def __init__(self, message: str, *, where: str = "", path: str = "") -> None:
        super().__init__(message, path=path)
        self.where = where
        """The field or part of the response that could not be read (never its value)."""
