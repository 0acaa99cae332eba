"""The KIE.ai emulator: an HTTP app on `trt_actors.web` over one `EmulatorState`.

Serve it on a loopback port (`serve`, `open_kie_emulator`) or use it without sockets
(`transport()` for httpx, `run()` for its callbacks), so MockClock tests can drive it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import trio

from trt_actors.emulators.kie import _endpoints
from trt_actors.emulators.kie._apis import APIS
from trt_actors.emulators.kie._callbacks import CallbackAttempt, CallbackSender
from trt_actors.emulators.kie._config import HANDLER_TIMEOUT, UPLOAD_PREFIX, KieEmulatorConfig
from trt_actors.emulators.kie._control import Control
from trt_actors.emulators.kie._control_http import add_control_routes
from trt_actors.emulators.kie._files import FILES_PREFIX
from trt_actors.emulators.kie._state import EmulatorState
from trt_actors.emulators.kie._transport import InProcessTransport
from trt_actors.web import HTTPServer, Router, ServerLimits

#: Deadline for closing the callback HTTP client when the emulator stops.
CLIENT_CLOSE_TIMEOUT = 2.0


class KieEmulator:
    """One emulated KIE account: the market, the dedicated APIs, credits, files, uploads.

    `callback_transport` replaces the network for callbacks (tests without sockets).
    """

    def __init__(
        self,
        config: KieEmulatorConfig | None = None,
        *,
        callback_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or KieEmulatorConfig()
        self.state = EmulatorState(self.config)
        self.router = Router()
        self.server: HTTPServer | None = None
        self._callback_transport = callback_transport
        self._sender: CallbackSender | None = None
        self._add_routes()

    @property
    def base_url(self) -> str:
        """KIE_API_BASE_URL for clients (in-process URL until `serve` binds)."""
        return self.state.base_url

    @property
    def upload_base_url(self) -> str:
        """KIE_UPLOAD_BASE_URL for clients."""
        return self.state.upload_base_url

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def ctl(self) -> Control:
        return Control(self.state)

    @property
    def callback_attempts(self) -> list[CallbackAttempt]:
        """Every callback POST made, in order."""
        return list(self._sender.attempts) if self._sender else []

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport to this emulator without sockets (for KieClient in tests)."""
        return InProcessTransport(self.router)

    def _add_routes(self) -> None:
        state, add = self.state, self.router.add
        for spec in APIS.values():
            submit = _endpoints.guarded(state, spec.submit_endpoint, _endpoints.submit(spec))
            status = _endpoints.guarded(state, spec.status_endpoint, _endpoints.status(spec))
            add("POST", spec.submit_path, submit, handler_timeout=HANDLER_TIMEOUT)
            add("GET", spec.status_path, status, handler_timeout=HANDLER_TIMEOUT)
        guarded = _endpoints.guarded
        add(
            "GET",
            "/api/v1/chat/credit",
            guarded(state, "credit", _endpoints.credit),
            handler_timeout=HANDLER_TIMEOUT,
        )
        add(
            "POST",
            "/api/v1/common/download-url",
            guarded(state, "download_url", _endpoints.download_url),
            handler_timeout=HANDLER_TIMEOUT,
        )
        upload_limit = self.config.max_upload_bytes
        add(
            "POST",
            f"{UPLOAD_PREFIX}/api/file-stream-upload",
            guarded(state, "upload", _endpoints.stream_upload),
            max_body_bytes=upload_limit,
            handler_timeout=HANDLER_TIMEOUT,
        )
        add(
            "POST",
            f"{UPLOAD_PREFIX}/api/file-base64-upload",
            guarded(state, "upload", _endpoints.base64_upload),
            max_body_bytes=upload_limit,
            handler_timeout=HANDLER_TIMEOUT,
        )
        add(("GET",), FILES_PREFIX + "{file_id}/{name}", state.files.serve)
        add_control_routes(self.router, Control(state))

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the background work (callbacks) until cancelled, without a server."""
        client = httpx.AsyncClient(transport=self._callback_transport)
        sender = CallbackSender(
            self.state.book,
            client,
            self.config.callbacks,
            hmac_key=lambda: self.state.hmac_key,
            body_of=self.state.callback_body,
        )
        self._sender = sender
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(sender.run)
                task_status.started()
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(CLIENT_CLOSE_TIMEOUT):
                await client.aclose()

    async def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: ServerLimits | None = None,
        task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Serve until cancelled; reports the base URL (e.g. "http://127.0.0.1:41234")."""
        server = HTTPServer(self.router, limits=limits)
        async with trio.open_nursery() as nursery:
            await nursery.start(self.run)
            bound = await nursery.start(server.serve, host, port)
            self.server = server
            self.state.base_url = f"http://{host}:{bound}"
            task_status.started(self.state.base_url)


@asynccontextmanager
async def open_kie_emulator(
    config: KieEmulatorConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    serve: bool = True,
    callback_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[KieEmulator]:
    """Run an emulator for the block: on a loopback port, or (`serve=False`) in-process
    only (use `emulator.transport()`). Every task it started ends with the block."""
    emulator = KieEmulator(config, callback_transport=callback_transport)
    async with trio.open_nursery() as nursery:
        if serve:
            await nursery.start(emulator.serve, host, port)
        else:
            await nursery.start(emulator.run)
        try:
            yield emulator
        finally:
            nursery.cancel_scope.cancel()
