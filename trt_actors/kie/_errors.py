"""Typed errors of KIE calls, in one hierarchy.

KIE answers HTTP 200 with ``{"code": <int>, "msg": ...}`` even when a request fails; the
client maps that code (or, when the body has none, the HTTP status) to one class here:

    KieError
    ├── KieApiError            KIE answered with a code other than 200
    │   ├── KieAuthError          401 (and HTTP 401/403): bad key, IP not whitelisted
    │   ├── KieOutOfCredits       402: the account is empty (alert the operator)
    │   ├── KieValidationError    400, 422: the request is wrong (KIE's message kept)
    │   ├── KieTaskNotFound       404, 422 "recordInfo is null": no such task
    │   ├── KieRateLimited        429: over the account limit (retried)
    │   ├── KieUnavailable        455: maintenance (retried)
    │   ├── KieServerError        500 and other 5xx, 408 (retried)
    │   ├── KieGenerationFailed   501: the generation failed
    │   └── KieFeatureDisabled    505: the feature is turned off
    ├── KieTransportError      no answer: connection failure or timeout of one attempt
    ├── KieProtocolError       an answer the client cannot read
    │   └── KieResultError        a task's result (``resultJson``…) is malformed or missing
    ├── KieDownloadError       a result file could not be fetched (5xx: retried)
    │   ├── KieResultGone         403/404/410: the link expired (refresh with download-url)
    │   └── KieResultTooLarge     larger than the caller's limit
    └── KieTimeout             the call's deadline passed (retries included)

`retryable` says whether the same request may succeed later; `operator_alert` marks the
errors an operator must act on (key, balance, disabled feature).
"""

from __future__ import annotations

from typing import ClassVar


class KieError(Exception):
    """Base of every KIE failure. `message` is safe to log (never holds the API key)."""

    retryable: ClassVar[bool] = False
    operator_alert: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KieApiError(KieError):
    """KIE answered with `code` != 200; `message` is KIE's own text (`msg` or `message`)."""

    def __init__(
        self,
        message: str,
        *,
        code: int,
        http_status: int = 200,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"KIE code {self.code}: {self.message}"


class KieAuthError(KieApiError):
    """401 (or HTTP 401/403): the key is missing, wrong, revoked or the IP is refused."""

    operator_alert = True


class KieOutOfCredits(KieApiError):
    """402: the KIE account has not enough credits. Nothing is retried; alert the operator."""

    operator_alert = True


class KieValidationError(KieApiError):
    """400 or 422: KIE refused the parameters. `message` says what was wrong (show it)."""


class KieTaskNotFound(KieApiError):
    """404, or 422 "recordInfo is null": KIE knows no task with this id."""


class KieRateLimited(KieApiError):
    """429: over the account's limit; the request was dropped, not queued."""

    retryable = True


class KieUnavailable(KieApiError):
    """455: KIE is under maintenance."""

    retryable = True


class KieServerError(KieApiError):
    """500 or another 5xx (HTTP status or code), or 408: a failure on KIE's side."""

    retryable = True


class KieGenerationFailed(KieApiError):
    """501: the generation failed (also the code of failure callbacks)."""


class KieFeatureDisabled(KieApiError):
    """505: KIE turned this feature off."""

    operator_alert = True


class KieTransportError(KieError):
    """One attempt got no answer (connection refused or reset, a phase timed out).

    `request_sent` is False when the request surely never reached KIE (connect phase);
    when True, a createTask may have created a task although no answer came back.
    """

    retryable = True

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class KieProtocolError(KieError):
    """An answer the client cannot read: not JSON, no envelope, a missing field."""


class KieResultError(KieProtocolError):
    """A task's result is malformed (``resultJson`` not JSON, wrong shape) or missing."""


class KieDownloadError(KieError):
    """Fetching a result file failed with HTTP `status` (None: no status, e.g. too large)."""

    retryable = True

    def __init__(self, message: str, *, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class KieResultGone(KieDownloadError):
    """The result link answered 403, 404 or 410: expired; `KieClient.download_url` renews it."""

    retryable = False


class KieResultTooLarge(KieDownloadError):
    """The result file is larger than the limit the caller set."""

    retryable = False


class KieTimeout(KieError):
    """The call's deadline passed before KIE gave an answer (retries included).

    `last_error` is the failure of the last attempt, if one failed before the deadline.
    """

    retryable = True

    def __init__(self, message: str, *, last_error: KieError | None = None) -> None:
        super().__init__(message)
        self.last_error = last_error


_BY_CODE: dict[int, type[KieApiError]] = {
    400: KieValidationError,
    401: KieAuthError,
    402: KieOutOfCredits,
    403: KieAuthError,
    404: KieTaskNotFound,
    408: KieServerError,
    413: KieValidationError,
    422: KieValidationError,
    429: KieRateLimited,
    455: KieUnavailable,
    501: KieGenerationFailed,
    505: KieFeatureDisabled,
}

#: KIE's text for an unknown task id on recordInfo (a 422, not a 404).
RECORD_NULL_MESSAGE = "recordinfo is null"


def error_for_code(
    code: int,
    message: str,
    *,
    http_status: int = 200,
    retry_after: float | None = None,
) -> KieApiError:
    """The typed error for KIE's `code` (or an HTTP status used as one); never raises.

    Codes without a class of their own become `KieServerError` (5xx) or `KieApiError`.
    """
    cls = _BY_CODE.get(code)
    if cls is None:
        cls = KieServerError if 500 <= code <= 599 else KieApiError
    if cls is KieValidationError and RECORD_NULL_MESSAGE in message.lower():
        cls = KieTaskNotFound
    text = message or f"KIE answered code {code}"
    return cls(text, code=code, http_status=http_status, retry_after=retry_after)
