"""The KIE.ai client: tasks on the market and the dedicated APIs, credits, files, callbacks.

    async with KieClient(api_key, base_url=..., upload_base_url=...,
                         submit_bucket=submit_bucket(coordination)) as kie:
        task_id = await kie.submit(model.kie_payload(params, urls, callback_url))
        status = await kie.status(model.route.api, task_id)
        if status.succeeded:
            file = await kie.download(status.result_urls[0])

Every call runs under a deadline (its `timeout=`) with per-phase HTTP timeouts, retries
429/455/5xx/no-answer with backoff while the deadline allows, and raises the `KieError`
hierarchy (`_errors`). Statuses of every API are one `TaskStatus`. docs/kie.md has the
error mapping, the pacing and the emulator.
"""

from ._callbacks import (
    MAX_CALLBACK_SKEW,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackRejected,
    VerifiedCallback,
    callback_signature,
    callback_status,
    callback_task_id,
    new_callback_secret,
    verify_callback,
)
from ._client import (
    ACCOUNT_TIMEOUT,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_UPLOAD_BASE_URL,
    DOWNLOAD_TIMEOUT,
    STATUS_TIMEOUT,
    SUBMIT_TIMEOUT,
    UPLOAD_TIMEOUT,
    KieClient,
)
from ._dedicated import NORMALISERS, normalise
from ._download import DownloadedFile
from ._errors import (
    KieApiError,
    KieAuthError,
    KieDownloadError,
    KieError,
    KieFeatureDisabled,
    KieGenerationFailed,
    KieOutOfCredits,
    KieProtocolError,
    KieRateLimited,
    KieResultError,
    KieResultGone,
    KieResultTooLarge,
    KieServerError,
    KieTaskNotFound,
    KieTimeout,
    KieTransportError,
    KieUnavailable,
    KieValidationError,
    error_for_code,
)
from ._http import KieTimeouts
from ._market import ParsedResult, normalise_market, parse_result_json
from ._pacing import (
    KIE_SUBMIT_LIMIT,
    KIE_SUBMIT_WINDOW,
    POLL_BURST,
    POLL_RATE,
    SUBMIT_BURST,
    SUBMIT_RATE,
    local_poll_bucket,
    submit_bucket,
)
from ._pause import ALERT_QUIET, CHECK_EVERY, RESUME_AT, CreditPause, PauseView
from ._retry import DEFAULT_BACKOFF
from ._status import TaskState, TaskStatus
from ._upload import UploadedFile, UploadSource

__all__ = [
    "ACCOUNT_TIMEOUT",
    "ALERT_QUIET",
    "CHECK_EVERY",
    "DEFAULT_BACKOFF",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DEFAULT_UPLOAD_BASE_URL",
    "DOWNLOAD_TIMEOUT",
    "KIE_SUBMIT_LIMIT",
    "KIE_SUBMIT_WINDOW",
    "MAX_CALLBACK_SKEW",
    "NORMALISERS",
    "POLL_BURST",
    "POLL_RATE",
    "RESUME_AT",
    "SIGNATURE_HEADER",
    "STATUS_TIMEOUT",
    "SUBMIT_BURST",
    "SUBMIT_RATE",
    "SUBMIT_TIMEOUT",
    "TIMESTAMP_HEADER",
    "UPLOAD_TIMEOUT",
    "CallbackRejected",
    "CreditPause",
    "DownloadedFile",
    "KieApiError",
    "KieAuthError",
    "KieClient",
    "KieDownloadError",
    "KieError",
    "KieFeatureDisabled",
    "KieGenerationFailed",
    "KieOutOfCredits",
    "KieProtocolError",
    "KieRateLimited",
    "KieResultError",
    "KieResultGone",
    "KieResultTooLarge",
    "KieServerError",
    "KieTaskNotFound",
    "KieTimeout",
    "KieTimeouts",
    "KieTransportError",
    "KieUnavailable",
    "KieValidationError",
    "ParsedResult",
    "PauseView",
    "TaskState",
    "TaskStatus",
    "UploadSource",
    "UploadedFile",
    "VerifiedCallback",
    "callback_signature",
    "callback_status",
    "callback_task_id",
    "error_for_code",
    "local_poll_bucket",
    "new_callback_secret",
    "normalise",
    "normalise_market",
    "parse_result_json",
    "submit_bucket",
    "verify_callback",
]
