"""The tenant's KIE credits watcher: alerts the admins once when KIE runs out of credits, and
resumes generations when credits are back.

A job that gets KIE's 402 pauses the tenant's generations (`kie.CreditPause`). This child
waits for that, then:

1. alerts every admin of the tenant (each in their language) with one message — one per
   pause, and none for a pause that begins within `CreditPause.alert_quiet` seconds of the
   last alert (an hour by default). The quiet period is kept by the coordination's dedup
   set, so with Redis several instances alert once between them;
2. reads KIE's balance (the baseline), then every `CreditPause.check_every` seconds again,
   and resumes generations once the balance grew past the baseline (credits were added) or
   is at least `CreditPause.resume_at`. A balance it cannot read is logged and read again
   at the next period (the pause stays: better "temporarily unavailable" than a failure).

Every call to KIE, storage and Telegram here is under a deadline; a failure is one log event
and never stops the child.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import structlog
import trio

from trt_actors.catalog import Catalog
from trt_actors.coordination import Coordination
from trt_actors.domain.admin.facts import GenerationsPaused
from trt_actors.domain.admin.screens import credits_alert
from trt_actors.domain.context import Context
from trt_actors.domain.texts import DEFAULT_LANGUAGE, LANGUAGES
from trt_actors.domain.turn import Turn
from trt_actors.domain.view import send
from trt_actors.kie import CreditPause, KieClient, KieError, PauseView
from trt_actors.storage import StorageError, Store, Tx
from trt_actors.telegram.errors import TelegramError
from trt_actors.tenants.session_terms import TermsSource

from .outbound import Outbound

log = structlog.get_logger(__name__)

BALANCE_DEADLINE = 10.0  # one read of KIE's balance
STORE_DEADLINE = 5.0  # reading the admins' languages
SEND_DEADLINE = 10.0  # one alert message
ALERT_KEY = "kie_credits_alert:{tenant}"


class CreditsWatcher:
    """What the watcher child needs; `run` is the child."""

    def __init__(  # noqa: PLR0917 — the tree builds it once, each part named at its place
        self,
        pause: CreditPause,
        kie: KieClient | None,
        outbound: Outbound,
        store: Store,
        terms: TermsSource,
        coordination: Coordination,
        catalog: Catalog,
    ) -> None:
        self.pause = pause
        self.kie = kie
        self.outbound = outbound
        self.store = store
        self.terms = terms
        self.coordination = coordination
        self.catalog = catalog
        self.alerts_sent = 0  # messages sent to admins (for tests and the log)

    @property
    def tenant(self) -> str:
        return self.pause.tenant

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started(self)
        while True:
            view = await self.pause.wait_paused()
            await self._alert(view)
            await self._until_resumed()

    async def _until_resumed(self) -> None:
        """Read the balance now (the baseline), then every `check_every` seconds until the
        pause ends (here, or by a task KIE accepted)."""
        baseline = await self._balance()
        if baseline is not None and baseline >= self.pause.resume_at:
            log.info("kie.credits_enough_at_pause", tenant=self.tenant, credits=float(baseline))
        while self.pause.paused:
            await trio.sleep(self.pause.check_every)
            if not self.pause.paused:
                return
            balance = await self._balance()
            if balance is None:
                continue
            grown = baseline is not None and balance > baseline
            if grown or balance >= self.pause.resume_at:
                self.pause.resume(f"KIE's balance is {float(balance):g} credits")
                return
            if baseline is None:  # the first balance read since the pause
                baseline = balance

    async def _balance(self) -> Fraction | None:
        if self.kie is None:
            return None
        try:
            with trio.fail_after(BALANCE_DEADLINE):
                return await self.kie.credit_balance(timeout=BALANCE_DEADLINE)
        except (KieError, trio.TooSlowError) as exc:
            log.warning(
                "kie.credit_check_failed",
                tenant=self.tenant,
                error=f"{type(exc).__name__}: {exc}"[:300],
            )
            return None

    async def _alert(self, view: PauseView) -> None:
        """One message to every admin, unless one was sent within the quiet period."""
        key = ALERT_KEY.format(tenant=self.tenant)
        if not await self.coordination.dedup_add(key, self.pause.alert_quiet):
            log.info("kie.credits_alert_quiet", tenant=self.tenant)
            return
        terms = self.terms.current
        admins = list(terms.admins)
        if terms.main_admin is not None and terms.main_admin not in admins:
            admins.append(terms.main_admin)
        if not admins:
            log.warning("kie.credits_alert_nobody", tenant=self.tenant)
            return
        languages = await self._languages(admins)
        now = datetime.datetime.fromtimestamp(self.pause.wall_clock(), datetime.UTC)
        paused = GenerationsPaused(
            since=datetime.datetime.fromtimestamp(view.since, datetime.UTC),
            reason=view.reason,
            check_every=self.pause.check_every,
        )
        sent = 0
        for admin in admins:
            language = languages.get(admin, DEFAULT_LANGUAGE)
            context = Context(now=now, tariff=self.terms.tariff, language=language, settings=terms)
            turn = Turn(self.catalog, context, language, admin, admin, "")
            call = send(admin, credits_alert(turn, paused))
            try:
                with trio.fail_after(SEND_DEADLINE):
                    await self.outbound.call(call.method, call.params)
            except (TelegramError, trio.TooSlowError) as exc:
                log.warning("kie.credits_alert_unsent", admin=admin, error=type(exc).__name__)
                continue
            sent += 1
        self.alerts_sent += sent
        log.warning("kie.credits_alert_sent", tenant=self.tenant, admins=sent)

    async def _languages(self, admins: list[int]) -> dict[int, str]:
        def read(tx: Tx) -> dict[int, str]:
            found = {}
            for admin in admins:
                user = tx.users.find(admin)
                if user is not None and user.language in LANGUAGES:
                    found[admin] = str(user.language)
            return found

        try:
            with trio.fail_after(STORE_DEADLINE):
                return await self.store.read(self.tenant, read)
        except (StorageError, trio.TooSlowError) as exc:
            log.warning("kie.credits_alert_languages", error=type(exc).__name__)
            return {}
