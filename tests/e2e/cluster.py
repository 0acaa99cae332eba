"""Several `trt run` processes as one bot: one PostgreSQL database, one Redis, a round-robin
balancer in front of their webhook ports, and both emulators in the test's process.

    async with running_cluster(2, tmp_path, postgres_server, redis_url) as cluster:
        ann = cluster.emulator.ctl.user("Ann")
        cluster.emulator.ctl.send_command(ann, "start")   # posted to the balancer's URL
        cluster.services[0].kill()                        # SIGKILL one instance

Each cluster is a bot of its own (a fresh database and a tenant id of its own), so leases
and members left in the shared Redis by an earlier test never meet it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trio

from trt_actors.cluster import PARTITIONS
from trt_actors.emulators.kie import KieEmulator, open_kie_emulator
from trt_actors.emulators.telegram import (
    EmulatorConfig,
    RateLimits,
    TelegramEmulator,
    open_telegram_emulator,
)
from trt_actors.storage import open_store
from trt_actors.testing.balancer import Balancer, open_balancer
from trt_actors.testing.postgres import create_database
from trt_actors.testing.trt_process import Service, free_port, instance_env, run_service

SECRET = "cluster-secret"
SETTLE_DEADLINE = 30.0


@dataclass
class Cluster:
    emulator: TelegramEmulator
    kie: KieEmulator
    balancer: Balancer
    services: list[Service]
    tenant: str
    database: str
    envs: list[dict[str, str]]
    cwd: Path

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.balancer.port}/webhook/{self.tenant}"

    def alive(self) -> list[Service]:
        return [s for s in self.services if s.process.returncode is None]

    def owned(self, service: Service) -> int | None:
        """How many partitions `service` said it owns last (None: not said yet)."""
        for event in reversed(service.events):
            if event.get("event") in ("partitions.taken", "partitions.given_back"):
                return int(event["owned"])
        return None

    async def settled(self, timeout: float = SETTLE_DEADLINE) -> None:
        """Wait until the live instances own every partition between them, each a share."""
        with trio.fail_after(timeout):
            while True:
                live = self.alive()
                owned = [self.owned(s) for s in live]
                members = [self._members(s) for s in live]
                if (
                    all(o is not None and o > 0 for o in owned)
                    and sum(o or 0 for o in owned) == PARTITIONS
                    and all(m == len(live) for m in members)
                ):
                    return
                await trio.sleep(0.1)

    @staticmethod
    def _members(service: Service) -> int:
        for event in reversed(service.events):
            if event.get("event") == "partitions.members":
                return len(event["members"])
        return 0


@contextlib.asynccontextmanager
async def running_cluster(
    instances: int,
    tmp_path: Path,
    postgres_server: str,
    redis_url: str,
    *,
    rate_limits: RateLimits | None = None,
    terms: Mapping[str, Any] | None = None,
    **extra: str,
) -> AsyncIterator[Cluster]:
    """`terms`: the bot's business terms as an admin would have set them (stored overrides)."""
    tenant = f"c{uuid.uuid4().hex[:8]}"
    database = create_database(postgres_server, f"cluster_{tenant}")
    if terms:
        async with open_store(database) as store:
            for key, value in terms.items():
                await store.run(tenant, lambda tx, k=key, v=value: tx.settings.set(k, v))
    ports = [free_port() for _ in range(instances)]
    config = EmulatorConfig(rate_limits=rate_limits or RateLimits())
    async with (
        open_telegram_emulator(config) as emulator,
        open_kie_emulator() as kie,
        open_balancer(ports) as balancer,
        contextlib.AsyncExitStack() as stack,
    ):
        assert emulator.base_url is not None
        envs = [
            instance_env(
                emulator,
                kie,
                tmp_path,
                database=database,
                tenant=tenant,
                balancer_port=balancer.port,
                port=port,
                secret=SECRET,
                REDIS_URL=redis_url,
                **extra,
            )
            for port in ports
        ]
        services = [await stack.enter_async_context(run_service(env, tmp_path)) for env in envs]
        cluster = Cluster(emulator, kie, balancer, services, tenant, database, envs, tmp_path)
        with trio.fail_after(SETTLE_DEADLINE):  # the leader registered the webhook
            while (emulator.ctl.bot.webhook is None) or (
                emulator.ctl.bot.webhook.url != cluster.webhook_url
            ):
                await trio.sleep(0.1)
        await cluster.settled()
        yield cluster
