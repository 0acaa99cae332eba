"""What the user sees of one running job: the chat action, the progress message, the result
and the failure notice. The texts and buttons come from `domain.screens.jobs` (pure); this
module only sends them through the outbound actor, in the user's language.

Every call here is best effort: a user who blocked the bot, or a message Telegram will not
edit any more, must not stop the job (the money follows the job's state, not its messages).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote, unquote

import structlog
import trio

from trt_actors.catalog import Catalog, MediaKind, Tariff
from trt_actors.domain.screens import jobs as screens
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import DEFAULT_LANGUAGE, LANGUAGES
from trt_actors.domain.turn import Turn
from trt_actors.domain.view import CAPTION_LIMIT, Screen, edit, fit, markup, send
from trt_actors.kie import KieClient, KieError, KieResultTooLarge
from trt_actors.storage import Job
from trt_actors.telegram.errors import BadRequest, TelegramError
from trt_actors.telegram.http_bot_api import telegram_file

from ..outbound import Outbound
from . import delivery

log = structlog.get_logger(__name__)

PROGRESS_EVERY = 15.0  # seconds between two edits of the progress message, at least
TEXT_RESULT = "data:text/plain;charset=utf-8,"  # a text result kept among the result URLs


class JobSide(Protocol):
    """What the messages need of the job runtime."""

    @property
    def outbound(self) -> Outbound: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def tariff(self) -> Tariff | None: ...
    @property
    def kie(self) -> KieClient | None: ...
    @property
    def wall_clock(self) -> Callable[[], float]: ...
    @property
    def terms(self) -> TenantSettings: ...


class JobMessages:
    """The user-facing side of job `job` (the job actor owns one)."""

    def __init__(self, runtime: JobSide, job: Job, language: str | None) -> None:
        self.outbound = runtime.outbound
        self.kie = runtime.kie
        self.catalog = runtime.catalog
        self.tariff = runtime.tariff or runtime.catalog.default_tariff()
        self.terms = runtime.terms  # the support contact of failure notices
        self.job = job
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.wall_clock = runtime.wall_clock
        self.message_id = job.progress_message_id
        self._shown: str | None = None
        self._shown_at = float("-inf")

    def turn(self) -> Turn:
        now = datetime.datetime.fromtimestamp(self.wall_clock(), datetime.UTC)
        return screens.job_turn(
            self.catalog, self.tariff, self.language, self.job.user_id, now, settings=self.terms
        )

    def elapsed(self) -> float:
        return self.wall_clock() - self.job.created_at / 1000

    @property
    def output(self) -> MediaKind | None:
        model = self.catalog.find(self.job.model_id)
        return model.output if model else None

    # -- progress ----------------------------------------------------------------------------

    async def progress(self, *, generating: bool, cancellable: bool, force: bool = False) -> None:
        """Show the progress: a new message the first time, else an edit — at most every
        PROGRESS_EVERY seconds (unless `force`) and only when the text changed."""
        if not force and trio.current_time() - self._shown_at < PROGRESS_EVERY:
            return
        screen = screens.progress(
            self.turn(),
            self.job.id,
            self.job.model_id,
            generating=generating,
            elapsed=self.elapsed(),
            cancellable=cancellable,
        )
        await self._call("sendChatAction", {"chat_id": self.job.user_id, "action": self._action})
        await self._show(screen)

    @property
    def _action(self) -> str:
        return screens.chat_action(self.output)

    async def final(self, outcome: str) -> None:
        """The progress message's last word (delivered, failed or cancelled)."""
        if self.message_id is None:
            return
        screen = screens.progress_final(self.turn(), self.job.model_id, outcome, self.elapsed())
        await self._show(screen)

    async def _show(self, screen: Screen) -> None:
        if screen.text == self._shown:
            return
        self._shown, self._shown_at = screen.text, trio.current_time()
        if self.message_id is not None:
            call = edit(self.job.user_id, self.message_id, screen)
            await self._call(call.method, call.params)
            return
        call = send(self.job.user_id, screen)
        sent = await self._call(call.method, call.params)
        if isinstance(sent, dict) and isinstance(sent.get("message_id"), int):
            self.message_id = sent["message_id"]

    # -- result and failure ------------------------------------------------------------------

    async def result(self, urls: list[str]) -> bool:
        """Send every result (the caption and buttons on the last), each the way its size
        allows (`job_delivery`); False when it could not be sent, so the job keeps its
        result for a later delivery."""
        for number, url in enumerate(urls, start=1):
            try:
                await self._one_result(url, last=number == len(urls))
            except (TelegramError, KieError) as exc:  # blocked, or no way to send it now
                log.warning("job.delivery_failed", job=self.job.id, error=str(exc))
                return False
        return True

    async def _one_result(self, url: str, *, last: bool) -> None:
        turn, job = self.turn(), self.job
        if url.startswith(TEXT_RESULT):
            screen = screens.result_text(turn, job.model_id, _text_of(url), job.id)
            await self.outbound.call("sendMessage", send(job.user_id, screen).params)
            return
        size = await self.kie.result_size(url) if self.kie is not None else None
        chosen = delivery.plan(self.output, size)
        if chosen.way is delivery.Way.URL:
            try:
                await self.outbound.call(chosen.method, self._media(chosen, url, last))
            except BadRequest as exc:  # Telegram could not fetch it: upload it ourselves
                if self.kie is None:
                    raise
                log.info("job.url_refused", job=job.id, error=str(exc))
                chosen = delivery.upload_plan(self.output, size)
            else:
                return
        if chosen.way is delivery.Way.UPLOAD and self.kie is not None:
            try:
                got = await self.kie.download(url, max_bytes=delivery.UPLOAD_LIMIT)
            except KieResultTooLarge:
                chosen = delivery.upload_plan(self.output, delivery.UPLOAD_LIMIT + 1)
            else:
                chosen = delivery.upload_plan(self.output, got.size)
                upload = telegram_file(delivery.file_name(url), got.content, got.content_type)
                await self.outbound.call(chosen.method, self._media(chosen, upload, last))
                return
        screen = screens.result_link(
            turn, url, size or 0, delivery.LINK_VALID_HOURS, job.id, with_buttons=last
        )
        await self.outbound.call("sendMessage", send(job.user_id, screen).params)

    def _media(self, chosen: delivery.Plan, file: object, last: bool) -> dict[str, Any]:
        params: dict[str, Any] = {"chat_id": self.job.user_id, chosen.field: file}
        if last:
            turn, job = self.turn(), self.job
            caption = screens.result_caption(
                turn, job.model_id, job.params, job.price, job.price == 0
            )
            params["caption"] = fit(caption, CAPTION_LIMIT)
            params["reply_markup"] = markup(Screen("", screens.result_buttons(turn, job.id)))
        return params

    async def resend_failed(self) -> None:
        """Send again could not send the result: say so, with History and the menu."""
        call = send(self.job.user_id, screens.resend_failed(self.turn(), self.job.id))
        await self._call(call.method, call.params)

    async def failure(self, error: str | None) -> None:
        """What went wrong in plain words, the hold released, and Try again."""
        screen = screens.failure(self.turn(), self.job.id, self.job.model_id, error)
        call = send(self.job.user_id, screen)
        await self._call(call.method, call.params)

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        try:
            return await self.outbound.call(method, params)
        except TelegramError as exc:
            log.warning("job.message_failed", job=self.job.id, method=method, error=str(exc))
            return None


def text_result_url(text: str) -> str:
    """A text result as a `data:` URL, so it is kept with the job like a file's URL."""
    return TEXT_RESULT + quote(text, safe="")


def _text_of(url: str) -> str:
    return unquote(url[len(TEXT_RESULT) :])
