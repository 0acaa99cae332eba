"""The application's supervision tree, in one place.

    root                 rest_for_one: a child's restart restarts those started after it
    ├── store            database pool, migrations applied before it reports started
    ├── instance         this process in the instances registry; without Redis, a standby
    │                    while another instance serves the database (nodes/instance.py)
    ├── coordination     Redis leases, locks, shared buckets — or the in-process fallback
    ├── inbox_signals    with Redis: other instances' inbox batches, to their partitions' owners
    ├── correlation_flush  writes correlation records (an update's path) in batches
    ├── http             webhook intake, /healthz, /readyz, /metrics
    ├── ops              the live supervision feed over a websocket (`trt top`)
    └── tenants          one_for_one: a bot's node that crashes restarts alone
        └── tenant:<id>  rest_for_one: each child needs the ones before it; parked (stopped,
            │            checked again later) when Telegram rejects its token or it gives up
            │            (nodes/tenant_node.py), so one bot's failure never reaches the others
            ├── outbound         the only sender to Telegram
            ├── jobs             one actor per generation, of the users this instance owns
            ├── terms            the business terms with the admin's overrides, re-read periodically
            ├── sessions         one actor per user, started on demand, passivated when idle
            ├── dispatcher       routes the updates of the partitions it owns to sessions
            ├── partitions       this instance's share of the users, as leases; takes it (the
            │                    dispatcher reads back its pending rows, unfinished jobs are
            │                    resumed) before the intake opens
            ├── intake           polling: getUpdates; webhook: opens the tenant's webhook door
            ├── webhook_setter   webhook mode with WEBHOOK_BASE_URL and AUTO_SET_WEBHOOK
            ├── command_menu     once at start, as leader: setMyCommands for every language
            ├── warmup           once, in the background, under a budget (temporary)
            ├── broadcaster      leader only: sends admins' broadcasts, resumes after a restart
            └── kie_credits      when KIE runs out of credits (a job got 402): alerts the
                                 admins once, checks the balance, resumes generations

Children start in list order and stop in reverse: at shutdown the intake closes first, the
sessions finish what they handle, the outbound actor sends their last replies, the store
closes last. Handles flow down the tree at start time: a tenant reads the running store and
coordination from the root when it starts, so after their restart (which restarts it too)
it gets the new ones.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import trio
from prometheus_client import CollectorRegistry

from trt_actors.actors import actor_child
from trt_actors.actors.broadcaster import BroadcasterActor
from trt_actors.actors.command_menu import command_menu_child
from trt_actors.actors.correlation_flush import CorrelationFlushActor, store_writer
from trt_actors.actors.dispatcher import Backlog, DispatcherActor, Sessions
from trt_actors.actors.flood_limit import FloodLimit
from trt_actors.actors.job import JobRuntime
from trt_actors.actors.kie_credits import CreditsWatcher
from trt_actors.actors.outbound import (
    Outbound,
    OutboundActor,
    OutboundLoad,
    OutboundStats,
    Priority,
)
from trt_actors.actors.partition_owner import PartitionOwnerActor
from trt_actors.actors.resident_states import ResidentStates
from trt_actors.actors.session import SessionActor, SessionSlot
from trt_actors.actors.warmup import WarmupActor
from trt_actors.catalog import load_catalog_cached
from trt_actors.coordination import Coordination
from trt_actors.domain.effects import Handler
from trt_actors.domain.invoice import tenant_secret
from trt_actors.domain.journey import Journey
from trt_actors.kie import CreditPause
from trt_actors.nodes.http import HttpNode, serve_http
from trt_actors.nodes.inbox_signals import relay_inbox_notifications
from trt_actors.nodes.instance import run_instance
from trt_actors.nodes.intake import intake_children
from trt_actors.nodes.jobs import (
    Jobs,
    jobs_supervisor,
    open_file_client,
    open_kie,
    resume_jobs,
    stop_jobs,
    wake_job,
    wake_on_callback,
)
from trt_actors.nodes.media import telegram_media_fetcher
from trt_actors.nodes.readiness import service_readiness
from trt_actors.nodes.scrape import render_metrics
from trt_actors.nodes.store import run_coordination, run_store
from trt_actors.nodes.tenant import TenantClients, TenantConfig, blocked_marker
from trt_actors.nodes.tenant_node import TenantNode, TokenWatch
from trt_actors.observability.correlation import correlations
from trt_actors.observability.events import current_bus
from trt_actors.observability.metrics import TreeCollector
from trt_actors.observability.redaction import redactor
from trt_actors.operations import PERFORMERS, Performers, Services
from trt_actors.operator.doctor import check_tenant
from trt_actors.operator.feed import OpsFeed
from trt_actors.routes.kie_callback import add_kie_callback_route, callback_url
from trt_actors.routes.webhook import WebhookDoors
from trt_actors.settings import Settings
from trt_actors.storage import InstanceRow, Store
from trt_actors.supervisors import (
    Backoff,
    ChildKey,
    ChildSpec,
    DynamicSupervisor,
    Intensity,
    Restart,
    Strategy,
    Supervisor,
)
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.client import with_bot_api
from trt_actors.telegram.pacing import Limits
from trt_actors.telegram.shared_budget import SharedBudget
from trt_actors.tenants.bot_identity import BotIdentity
from trt_actors.tenants.config import configured_tenants
from trt_actors.tenants.live_terms import TenantTerms, keep_terms_current
from trt_actors.web import Router

# The root's children a part of the tree asks for, with the type of their handles.
STORE = ChildKey[Store]("store")
INSTANCE = ChildKey[InstanceRow]("instance")
COORDINATION = ChildKey[Coordination]("coordination")
HTTP = ChildKey[HttpNode]("http")
OPS = ChildKey[int]("ops")  # the port the ops feed listens on
TENANTS = ChildKey[Supervisor]("tenants")

ROOT_INTENSITY = Intensity(max_restarts=5, within=30.0)
TENANT_INTENSITY = Intensity(max_restarts=10, within=60.0)
TENANTS_INTENSITY = Intensity(max_restarts=10, within=60.0)  # nodes crashing, all bots
# A session actor with no update for SESSION_REST seconds ends (passivates) and leaves the
# user's state in memory (`actors/resident_states.py`) for SESSION_IDLE seconds after it was
# left: their next update within that time starts a new actor without a storage read.
SESSION_REST = 10.0
SESSION_IDLE = 300.0
RESIDENT_STATES = 200_000  # states kept at most, per tenant (the oldest dropped first)
SESSION_MAILBOX = 1000
MAX_SESSIONS = 50_000
OUTBOUND_MAILBOX = 10_000
DISPATCHER_MAILBOX = 4096  # taking a message never waits there: it only drains faster
# Shutdown graces (seconds). A session gets a moment to finish the update in hand; if it
# cannot (a long queue at the outbound actor), it is cancelled and the update stays pending in
# the inbox, to be handled after the restart. All of it fits in SHUTDOWN_GRACE_SECONDS' default.
SESSION_GRACE = 1.0
SESSIONS_GRACE = 2.0
DISPATCHER_GRACE = 1.0
OUTBOUND_GRACE = 1.0
TENANT_GRACE = 4.0
HTTP_GRACE = 2.0
JOBS_GRACE = 2.0  # jobs keep their state in storage and resume at the next start
CORRELATION_GRACE = 3.0  # its final flush is shielded and bounded below this
INSTANCE_GRACE = 3.0  # removing its row from the registry is bounded below this
PARTITIONS_GRACE = 3.0  # giving the partitions back: sessions finish, leases released


class Tree:
    """Builds the root supervisor and reports readiness from what is running."""

    def __init__(
        self,
        settings: Settings,
        handler: Handler | None = None,
        limits: Limits | None = None,
        performers: Performers = PERFORMERS,
    ) -> None:
        self.settings = settings
        self.catalog = load_catalog_cached()
        self.handler = handler or Journey(self.catalog)
        self.performers = performers
        if isinstance(self.handler, Journey):  # its areas' lookups and operations, all answered
            routes = self.handler.routes
            performers.check_complete(routes.lookups, routes.operations)
        self.jobs: dict[str, Jobs] = {}
        # Telegram's; a self-hosted Bot API server may differ; scaled only for an emulator
        self.limits = limits or Limits().scaled(settings.telegram_rate_scale)
        self.tenants = configured_tenants(settings)
        # masked in every log line, as `load_settings` does for `trt run` (tests and the
        # sandbox build the tree from settings of their own)
        redactor.register(settings.secrets())
        redactor.register(s for t in self.tenants for s in (t.token, t.webhook_secret))
        self.doors = WebhookDoors(
            default_tenant=self.tenants[0].tenant_id,
            configured=frozenset(t.tenant_id for t in self.tenants),
        )
        self.outbound_stats = {t.tenant_id: OutboundStats() for t in self.tenants}
        # what waits, per tenant: at the outbound actor, and between the inbox and the end of
        # handling (both outlive restarts; docs/telegram-io.md, "Bursts")
        self.outbound_load = {t.tenant_id: OutboundLoad(self.limits) for t in self.tenants}
        self.backlogs = {
            t.tenant_id: Backlog(t.tenant_id, settings.inbox_max_backlog) for t in self.tenants
        }
        self.nodes: dict[str, TenantNode] = {}  # the running tenant nodes, by tenant id
        self.tenant_recheck: Backoff | None = None  # how a parked tenant is checked again
        tariff = self.catalog.default_tariff()
        self.identities = {t.tenant_id: BotIdentity() for t in self.tenants}  # getMe's
        self.terms = {
            t.tenant_id: TenantTerms(t.tenant_id, t.settings, tariff) for t in self.tenants
        }
        # per tenant, in this process: generations paused while KIE is out of credits
        # (outlives the subtree's restarts; docs/money.md, "KIE out of credits")
        self.kie_pauses = {t.tenant_id: CreditPause(t.tenant_id) for t in self.tenants}
        self.root = Supervisor(
            "root", self._root_children(), strategy=Strategy.REST_FOR_ONE, intensity=ROOT_INTENSITY
        )
        self.metrics_registry = CollectorRegistry()
        self.tree_collector = TreeCollector(
            self.root.describe, lambda: self.outbound_stats, self.load
        )
        self.metrics_registry.register(self.tree_collector)

    def _root_children(self) -> list[ChildSpec]:
        s = self.settings
        http = functools.partial(
            serve_http,
            s.host,
            s.port,
            self.doors,
            self.readiness,
            self.render_metrics,
            max_body_bytes=s.webhook_max_payload_bytes,
            more_routes=self._callback_routes,
        )
        token = s.ops_token.get_secret_value() if s.ops_token else None
        ops = functools.partial(self._run_ops, s.ops_host, s.ops_port, token)
        children = [
            ChildSpec(STORE.id, functools.partial(run_store, s.database_url.get_secret_value())),
            ChildSpec(INSTANCE.id, self._run_instance, shutdown=INSTANCE_GRACE),
            ChildSpec(
                COORDINATION.id,
                functools.partial(
                    run_coordination, s.redis_url.get_secret_value() if s.redis_url else None
                ),
            ),
            *([ChildSpec("inbox_signals", self._relay_inbox_signals)] if s.redis_url else []),
            self._correlation_flush(),
            ChildSpec(HTTP.id, http, shutdown=HTTP_GRACE),
            ChildSpec(OPS.id, ops, shutdown=1.0),
        ]
        grace = TENANT_GRACE * len(self.tenants) + 1.0  # they stop one after another
        children.append(ChildSpec(TENANTS.id, self._run_tenants, shutdown=grace))
        return children

    async def _run_instance(self, *, task_status: trio.TaskStatus[Any]) -> None:
        redis = self.settings.redis_url
        await run_instance(
            self.root.running(STORE),
            redis.get_secret_value() if redis else None,
            task_status=task_status,
        )

    async def _relay_inbox_signals(self, *, task_status: trio.TaskStatus[Any]) -> None:
        store, me = self.root.running(STORE), self.root.running(INSTANCE)
        store.inbox.announce_as(me.instance_id)  # other instances may own what this one takes
        await relay_inbox_notifications(
            store, me.instance_id, self.backlogs, task_status=task_status
        )

    async def _run_tenants(self, *, task_status: trio.TaskStatus[Any]) -> None:
        """Every bot's node under one_for_one: a node that crashes (not a parked bot: that
        one stays down without a crash) restarts alone, the others go on serving."""
        nodes = [
            ChildSpec(
                f"tenant:{tenant.tenant_id}",
                functools.partial(self._run_tenant, tenant),
                shutdown=TENANT_GRACE,
            )
            for tenant in self.tenants
        ]
        tenants = Supervisor(
            "tenants", nodes, strategy=Strategy.ONE_FOR_ONE, intensity=TENANTS_INTENSITY
        )
        await tenants.run(task_status=task_status)

    def tenant_subtree(self, tenant_id: str) -> TenantNode | None:
        """The running node of a tenant (its subtree while it serves), or None."""
        tenants = self.root.child(TENANTS)
        node = None if tenants is None else tenants.child(f"tenant:{tenant_id}")
        return node if isinstance(node, TenantNode) else None

    async def _run_ops(
        self,
        host: str,
        port: int,
        token: str | None,
        *,
        task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        feed = OpsFeed(self.root, current_bus.get(), token, self.load)
        await feed.serve(host, port, task_status=task_status)

    def _correlation_flush(self) -> ChildSpec:
        def flusher() -> CorrelationFlushActor:
            return CorrelationFlushActor(correlations, store_writer(self.root.running(STORE)))

        spec, _ = actor_child("correlation_flush", flusher, shutdown=CORRELATION_GRACE)
        return spec

    def _kie_callback_url(self, tenant: TenantConfig, job_id: int) -> str | None:
        """KIE calls back only when this service has a public URL; else the job polls."""
        base = tenant.webhook_base_url
        return callback_url(base, tenant.token, tenant.tenant_id, job_id) if base else None

    def _callback_routes(self, router: Router) -> None:
        key = self.settings.kie_webhook_hmac_key
        add_kie_callback_route(
            router,
            key_of=self._callback_key,
            wake_job=functools.partial(wake_on_callback, self.jobs),
            hmac_key=key.get_secret_value() if key else None,
        )

    def _callback_key(self, tenant_id: str) -> str | None:
        return next((t.token for t in self.tenants if t.tenant_id == tenant_id), None)

    async def render_metrics(self) -> bytes:
        """Prometheus text: the process's counters, then what the tree and storage say now."""
        tenant_ids = [tenant.tenant_id for tenant in self.tenants]
        store = self.root.running(STORE)
        return await render_metrics(store, tenant_ids, self.tree_collector, self.metrics_registry)

    async def _run_tenant(
        self, tenant: TenantConfig, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """The tenant's node: its clients, and its subtree, parked if the bot cannot work
        (nodes/tenant_node.py) without touching the other tenants."""

        async def body(api: BotApi) -> None:
            watch = TokenWatch(api)  # every call of the tenant: a 401 parks the tenant
            coordination = self.root.running(COORDINATION)
            async with open_kie(self.settings, coordination) as kie, open_file_client() as files:
                clients = TenantClients(watch, kie, files)

                def subtree() -> Supervisor:
                    return Supervisor(
                        f"tenant:{tenant.tenant_id}",
                        self._tenant_children(tenant, clients),
                        strategy=Strategy.REST_FOR_ONE,
                        intensity=TENANT_INTENSITY,
                    )

                node = TenantNode(tenant.tenant_id, watch, subtree, recheck=self.tenant_recheck)
                self.nodes[tenant.tenant_id] = node
                await node.run(task_status=task_status)

        await with_bot_api(tenant.token, tenant.api_base_url, body)

    def _tenant_children(self, tenant: TenantConfig, clients: TenantClients) -> list[ChildSpec]:
        """The tenant's children, in start order (see the module docstring)."""
        tid, api = tenant.tenant_id, clients.api
        store = self.root.running(STORE)
        coordination = self.root.running(COORDINATION)
        load, backlog = self.outbound_load[tid], self.backlogs[tid]
        outbound_spec, outbound_ref = actor_child(
            "outbound",
            lambda: OutboundActor(
                api,
                limits=self.limits,
                on_blocked=blocked_marker(tid, store),
                stats=self.outbound_stats[tid],
                load=load,
                shared=SharedBudget(coordination, tid, self.limits)
                if self.settings.redis_url
                else None,
                tenant=tid,
            ),
            capacity=OUTBOUND_MAILBOX,
            shutdown=OUTBOUND_GRACE,
            tenant=tid,
        )
        outbound = Outbound(outbound_ref, load)
        jobs = self._jobs(tenant, clients, store, outbound)
        sessions = self._sessions(tenant, clients, store, outbound, jobs)
        dispatcher_spec, dispatcher = actor_child(
            "dispatcher",
            lambda: DispatcherActor(tid, store, sessions, backlog=backlog, outbound=load),
            capacity=DISPATCHER_MAILBOX,
            shutdown=DISPATCHER_GRACE,
            tenant=tid,
        )
        owner, _ = actor_child(
            "partitions",
            lambda: PartitionOwnerActor(
                tid,
                coordination,
                store,
                dispatcher,
                self.root.running(INSTANCE).instance_id,
                fenced=self.settings.redis_url is not None,
                on_taken=functools.partial(resume_jobs, tid, store, jobs),
                on_released=functools.partial(stop_jobs, tid, store, jobs),
            ),
            shutdown=PARTITIONS_GRACE,
            tenant=tid,
        )
        warmup, _ = actor_child(
            "warmup",
            lambda: WarmupActor(
                api, self._warm_handler, on_identity=functools.partial(self._named, tid)
            ),
            restart=Restart.TEMPORARY,
            tenant=tid,
        )
        broadcaster, _ = actor_child(
            "broadcaster", lambda: BroadcasterActor(tid, store, outbound, coordination), tenant=tid
        )
        credits = CreditsWatcher(
            self.kie_pauses[tid],
            clients.kie,
            outbound,
            store,
            self.terms[tid],
            coordination,
            self.catalog,
        )
        return [
            outbound_spec,
            ChildSpec("jobs", jobs.run, shutdown=JOBS_GRACE),
            ChildSpec("terms", functools.partial(keep_terms_current, self.terms[tid], store)),
            ChildSpec("sessions", sessions.run, shutdown=SESSIONS_GRACE),
            dispatcher_spec,
            owner,
            *intake_children(
                tenant,
                api,
                store,
                dispatcher,
                doors=self.doors,
                coordination=coordination,
                backlog=backlog,
                answer_rate=load.rate,
            ),
            command_menu_child(api, coordination, self.handler.command_menu(), tid),
            warmup,
            broadcaster,
            ChildSpec("kie_credits", credits.run),
        ]

    def _jobs(
        self, tenant: TenantConfig, clients: TenantClients, store: Store, outbound: Outbound
    ) -> Jobs:
        runtime = JobRuntime(
            tenant.tenant_id,
            store,
            outbound,
            clients.kie,
            self.catalog,
            telegram_media_fetcher(outbound, tenant.api_base_url, tenant.token, clients.files.get),
            callback_url=functools.partial(self._kie_callback_url, tenant),
            pause=self.kie_pauses[tenant.tenant_id],
        )
        terms = self.terms[tenant.tenant_id]
        # each job starts with the terms in force then (free quota, time zone, tariff)
        jobs = jobs_supervisor(
            lambda: dataclasses.replace(runtime, terms=terms.current, tariff=terms.tariff),
            tenant.tenant_id,
        )
        self.jobs[tenant.tenant_id] = jobs
        return jobs

    def _sessions(
        self,
        tenant: TenantConfig,
        clients: TenantClients,
        store: Store,
        outbound: Outbound,
        jobs: Jobs,
    ) -> Sessions:
        tid = tenant.tenant_id
        terms = self.terms[tid]  # current terms, read by the session at every update
        flood = FloodLimit(self.settings.user_updates_per_second, self.settings.user_updates_burst)
        secret = tenant_secret(tenant.token, tid)
        services = Services(  # what probes and live operations use
            outbound,
            clients.kie,
            lambda: self.root.child(COORDINATION),
            store,
            terms,
            wake_job=functools.partial(wake_job, jobs),
            tenants=tuple(t.tenant_id for t in self.tenants),
            check_config=functools.partial(
                check_tenant, self.settings, tenant, self.kie_pauses[tid]
            ),
            kie_pause=self.kie_pauses[tid],
        )

        async def start_job(job_id: int) -> object:
            return await jobs.get_or_start(job_id)

        backlog = self.backlogs[tid]
        resident = ResidentStates(SESSION_IDLE, RESIDENT_STATES)

        def session(user_id: int) -> ChildSpec:
            slot = SessionSlot()
            spec, ref = actor_child(
                f"user:{user_id}",
                lambda: SessionActor(
                    tid,
                    user_id,
                    store=store,
                    outbound=outbound,
                    handler=self.handler,
                    slot=slot,
                    on_finished=backlog.finished,
                    start_job=start_job,
                    terms=terms,
                    services=services,
                    wake_job=services.wake_job,
                    secret=secret,
                    performers=self.performers,
                    identity=self.identities[tid],
                    flood=flood,
                    kie_pause=self.kie_pauses[tid],
                    catalog=self.catalog,
                    resident=resident,
                ),
                capacity=SESSION_MAILBOX,
                restart=Restart.TRANSIENT,
                idle_after=SESSION_REST,
                shutdown=SESSION_GRACE,
                tenant=tid,
                key=str(user_id),
            )
            close_mailbox = spec.on_terminated

            def gone() -> None:  # for good: passivated, or given up after crashing
                if close_mailbox is not None:
                    close_mailbox()
                backlog.released(user_id, ref)

            return dataclasses.replace(spec, on_terminated=gone)

        return DynamicSupervisor(
            "sessions", session, max_children=MAX_SESSIONS, frequent_children=True
        )

    def _named(self, tenant_id: str, username: str) -> None:
        self.identities[tenant_id].username = username

    def _warm_handler(self) -> None:
        """Build the first screens once, so a user's first /start costs no more than later."""
        self.handler.warm()

    def load(self) -> dict[str, dict[str, Any]]:
        """What waits, per tenant, for /metrics and `trt top` (docs/operations.md)."""
        now = trio.current_time()
        figures = {}
        for tenant_id, backlog in self.backlogs.items():
            outbound = self.outbound_load[tenant_id]
            figures[tenant_id] = {
                "inbox_backlog": backlog.size,
                "waiting": backlog.waiting,
                "in_sessions": backlog.in_flight,
                "limit": backlog.limit,
                "outbound_queued": {
                    "reply": outbound.queued(Priority.REPLY),
                    "normal": outbound.queued(Priority.NORMAL),
                    "bulk": outbound.queued(Priority.BULK),
                    "unmetered": outbound.unmetered_queued,
                },
                "drain_seconds": round(backlog.drain_seconds(outbound, now), 1),
                "backpressure": backlog.backpressure,
                "shedding": backlog.shedding,
                "refused": backlog.refused,
                "partitions": backlog.partitions,
            }
        return figures

    def readiness(self) -> dict[str, Any]:
        """What /readyz answers (`nodes/readiness.py`)."""
        return service_readiness(self.root, [t.tenant_id for t in self.tenants], self.nodes)


def build_root(settings: Settings) -> Supervisor:
    return Tree(settings).root
