"""`KieClient`: every KIE.ai call the service makes, typed, paced, retried, under deadlines.

    async with KieClient(api_key, submit_bucket=submit_bucket(coordination)) as kie:
        route, body = model.kie_payload(params, urls, callback_url)
        task_id = await kie.submit(KieRequest(route, body))
        status = await kie.status(route.api, task_id)      # a `TaskStatus`

Each method runs under its own deadline (`timeout=`, defaults below) and inside the
caller's scopes. Errors are the `KieError` hierarchy; see docs/kie.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import httpx
import structlog
import trio

from trt_actors.catalog import Api, KieRequest
from trt_actors.coordination import Coordination, SharedBuckets
from trt_actors.observability.redaction import redactor
from trt_actors.outgoing_tls import ClientOnFirstUse
from trt_actors.supervisors import Backoff

from ._dedicated import normalise
from ._download import DownloadedFile, fetch_once, head_size
from ._envelope import as_credits
from ._errors import KieProtocolError, KieResultGone, KieValidationError
from ._http import KieTimeouts, send_once
from ._pacing import local_poll_bucket
from ._pacing import submit_bucket as default_submit_bucket
from ._retry import DEFAULT_BACKOFF, RetryPolicy, call_with_retries
from ._status import TaskStatus
from ._upload import MultipartUpload, UploadedFile, UploadSource

log = structlog.get_logger(__name__)

DEFAULT_BASE_URL = "https://api.kie.ai"
DEFAULT_UPLOAD_BASE_URL = "https://kieai.redpandaai.co"
#: Cloudflare in front of KIE refuses bare clients (error 1010): send a real User-Agent.
USER_AGENT = "trt-actors/1 (+httpx)"

#: Deadlines of whole calls, retries included (seconds).
SUBMIT_TIMEOUT = 60.0
STATUS_TIMEOUT = 30.0
ACCOUNT_TIMEOUT = 20.0
UPLOAD_TIMEOUT = 600.0
DOWNLOAD_TIMEOUT = 300.0
SIZE_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0
#: Largest result `download` accepts by default (Telegram's bot upload limit).
DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
#: Folder on KIE's upload host for the bot's files.
DEFAULT_UPLOAD_PATH = "trt"

MARKET_SUBMIT_PATH = "/api/v1/jobs/createTask"
MARKET_STATUS_PATH = "/api/v1/jobs/recordInfo"
CREDIT_PATH = "/api/v1/chat/credit"
DOWNLOAD_URL_PATH = "/api/v1/common/download-url"
STREAM_UPLOAD_PATH = "/api/file-stream-upload"


class KieClient:
    """The KIE.ai API client. Use as an async context manager, or call `aclose()`.

    `submit_bucket` paces task creation across instances (see `submit_bucket()` in
    `trt_actors.kie`); without one, a process-local bucket is used. Status calls take a
    token from a local bucket (under 10 per second). `transport` replaces the network
    (httpx.MockTransport or the emulator's in-process transport); `download_transport`
    does the same for result downloads. The API key is registered with the log redactor
    and never appears in a log event or an error.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        upload_base_url: str = DEFAULT_UPLOAD_BASE_URL,
        submit_bucket: SharedBuckets | None = None,
        poll_bucket: SharedBuckets | None = None,
        timeouts: KieTimeouts | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        transport: httpx.AsyncBaseTransport | None = None,
        download_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("a KIE API key is required")
        redactor.register([api_key])
        self._base_url = base_url.rstrip("/")
        self._upload_base_url = upload_base_url.rstrip("/")
        self._submit_bucket = submit_bucket or default_submit_bucket(Coordination())
        self._poll_bucket = poll_bucket or local_poll_bucket()
        self._timeouts = timeouts or KieTimeouts()
        self._backoff = backoff
        headers = {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}
        self._api = ClientOnFirstUse(
            headers=headers, timeout=self._timeouts.for_httpx(), transport=transport
        )
        self._downloads = ClientOnFirstUse(
            headers={"User-Agent": USER_AGENT},
            timeout=self._timeouts.for_httpx(),
            transport=download_transport or transport,
            follow_redirects=True,
        )

    def __repr__(self) -> str:
        return f"KieClient(base_url={self._base_url!r}, api_key=***)"

    async def __aenter__(self) -> KieClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pools (shielded, under `CLOSE_TIMEOUT`)."""
        with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT):
            await self._api.aclose()
            await self._downloads.aclose()

    @property
    def _http(self) -> httpx.AsyncClient:
        return self._api.get()

    @property
    def _files(self) -> httpx.AsyncClient:
        return self._downloads.get()

    # tasks

    async def create_task(
        self,
        model: str,
        input: Mapping[str, Any],
        *,
        callback_url: str | None = None,
        timeout: float = SUBMIT_TIMEOUT,
    ) -> str:
        """Create a market task (`POST /api/v1/jobs/createTask`); returns its task id."""
        body: dict[str, Any] = {"model": model, "input": dict(input)}
        if callback_url is not None:
            body["callBackUrl"] = callback_url
        return await self._submit(
            "market", "POST", MARKET_SUBMIT_PATH, body=body, model=model, timeout=timeout
        )

    async def submit(self, request: KieRequest, *, timeout: float = SUBMIT_TIMEOUT) -> str:
        """Submit a catalog-built request to its API (market or dedicated); returns the
        task id. Paced by the submit bucket; a 429 waits out KIE's 10 s window."""
        api = request.route.api
        model = request.route.kie_model or api.id
        endpoint = api.submit
        return await self._submit(
            api.id, endpoint.method, endpoint.path, body=request.body, model=model, timeout=timeout
        )

    async def _submit(
        self,
        api_id: str,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any],
        model: str,
        timeout: float,
    ) -> str:
        policy = RetryPolicy(f"{api_id}.submit", idempotent=False, submit=True)

        async def attempt() -> Any:
            await self._submit_bucket.acquire()
            return await send_once(
                self._http,
                method,
                self._base_url + path,
                what=policy.name,
                attempt_timeout=self._timeouts.attempt,
                json=body,
            )

        data = await call_with_retries(
            attempt, policy=policy, timeout=timeout, backoff=self._backoff
        )
        task_id = _task_id(data)
        log.info("kie.task_submitted", api=api_id, model=model, task_id=task_id)
        return task_id

    async def record_info(self, task_id: str, *, timeout: float = STATUS_TIMEOUT) -> TaskStatus:
        """The market task's status (`GET /api/v1/jobs/recordInfo`)."""
        return await self._status(
            "market", "GET", MARKET_STATUS_PATH, param="taskId", task_id=task_id, timeout=timeout
        )

    async def status(
        self, api: Api, task_id: str, *, timeout: float = STATUS_TIMEOUT
    ) -> TaskStatus:
        """The status of a task of any API (the catalog's `Api`), normalised.

        Raises `KieTaskNotFound`, `KieResultError` (a success with malformed or missing
        results) and the other `KieError`s.
        """
        endpoint = api.status
        return await self._status(
            api.id,
            endpoint.method,
            endpoint.path,
            param=api.task_id_param,
            task_id=task_id,
            timeout=timeout,
        )

    async def _status(
        self, api_id: str, method: str, path: str, *, param: str, task_id: str, timeout: float
    ) -> TaskStatus:
        if not task_id:
            raise ValueError("task_id is empty")
        data = await self._get(f"{api_id}.status", method, path, {param: task_id}, timeout)
        return normalise(api_id, data, task_id)

    # account

    async def credit_balance(self, *, timeout: float = ACCOUNT_TIMEOUT) -> Fraction:
        """The account's remaining credits (exact; KIE balances can be fractional)."""
        data = await self._get("credit", "GET", CREDIT_PATH, None, timeout)
        return as_credits(data)

    async def download_url(self, url: str, *, timeout: float = ACCOUNT_TIMEOUT) -> str:
        """A fresh direct link (valid 20 minutes) for a file KIE generated.

        An URL KIE did not generate is a `KieValidationError` (422).
        """
        policy = RetryPolicy("download_url")

        async def attempt() -> Any:
            await self._poll_bucket.acquire()
            return await send_once(
                self._http,
                "POST",
                self._base_url + DOWNLOAD_URL_PATH,
                what=policy.name,
                attempt_timeout=self._timeouts.attempt,
                json={"url": url},
            )

        data = await call_with_retries(
            attempt, policy=policy, timeout=timeout, backoff=self._backoff
        )
        link = data.get("url") if isinstance(data, Mapping) else data
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise KieProtocolError(f"download-url answered no URL: {type(link).__name__}")
        return link

    async def _get(
        self,
        name: str,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        timeout: float,
    ) -> Any:
        policy = RetryPolicy(name)

        async def attempt() -> Any:
            await self._poll_bucket.acquire()
            return await send_once(
                self._http,
                method,
                self._base_url + path,
                what=name,
                attempt_timeout=self._timeouts.attempt,
                params=params,
            )

        return await call_with_retries(
            attempt, policy=policy, timeout=timeout, backoff=self._backoff
        )

    # files

    async def upload(
        self,
        source: UploadSource,
        *,
        file_name: str,
        content_type: str = "application/octet-stream",
        upload_path: str = DEFAULT_UPLOAD_PATH,
        size: int | None = None,
        timeout: float = UPLOAD_TIMEOUT,
    ) -> UploadedFile:
        """Stream a file to KIE's upload host (`file-stream-upload`); never holds it whole.

        `source` is bytes, a binary file object (read in a worker thread from its current
        position) or an async iterable of chunks. Retried when the source can be read
        again (bytes, seekable files) or when the request surely never left.
        """
        body = MultipartUpload(
            source,
            fields={"uploadPath": upload_path.strip("/"), "fileName": file_name},
            file_name=file_name,
            content_type=content_type,
            size=size,
        )
        policy = RetryPolicy("upload", idempotent=body.replayable)

        async def attempt() -> Any:
            return await send_once(
                self._http,
                "POST",
                self._upload_base_url + STREAM_UPLOAD_PATH,
                what="upload",
                attempt_timeout=self._timeouts.upload_attempt,
                content=body.stream(),
                headers=body.headers(),
                timeout=self._timeouts.for_httpx(upload=True),
            )

        data = await call_with_retries(
            attempt, policy=policy, timeout=timeout, backoff=self._backoff
        )
        uploaded = UploadedFile.from_data(data)
        log.info("kie.file_uploaded", file_path=uploaded.file_path, size=uploaded.size)
        return uploaded

    async def download(
        self,
        url: str,
        *,
        max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        refresh: bool = True,
        timeout: float = DOWNLOAD_TIMEOUT,
    ) -> DownloadedFile:
        """Fetch a result file (without the API key). When the link is dead (403/404/410)
        and `refresh`, ask KIE for a fresh link once (`download_url`) and fetch that."""
        try:
            return await self._fetch(url, max_bytes, timeout)
        except KieResultGone:
            if not refresh:
                raise
            log.info("kie.result_link_expired")
            try:
                fresh = await self.download_url(url, timeout=min(timeout, ACCOUNT_TIMEOUT))
            except KieValidationError:
                raise KieResultGone(
                    "result link expired and KIE cannot renew it", status=None
                ) from None
            return await self._fetch(fresh, max_bytes, timeout)

    async def result_size(self, url: str, *, timeout: float = SIZE_TIMEOUT) -> int | None:
        """The size of a result file from a HEAD request (no API key sent), or None when
        the host does not say in time. Decides how a result can reach Telegram."""
        return await head_size(self._files, url, timeout=timeout)

    async def _fetch(self, url: str, max_bytes: int, timeout: float) -> DownloadedFile:
        async def attempt() -> DownloadedFile:
            return await fetch_once(self._files, url, max_bytes=max_bytes, attempt_timeout=timeout)

        return await call_with_retries(
            attempt, policy=RetryPolicy("download"), timeout=timeout, backoff=self._backoff
        )


def _task_id(data: Any) -> str:
    if isinstance(data, Mapping):
        for key in ("taskId", "task_id"):
            value = data.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                return str(value)
    raise KieProtocolError("submit answer has no taskId")
