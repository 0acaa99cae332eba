"""Several instances, one bot: `trt run` processes on one PostgreSQL and one Redis behind a
round-robin balancer (tests/e2e/cluster.py). A user's updates are handled by one owner at a
time, in order, whichever instance receives them; an instance's death hands its users to the
others within seconds, nothing acknowledged lost."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest
import trio

from trt_actors.catalog import load_catalog
from trt_actors.cluster import owner_of, partition_of
from trt_actors.coordination import DEFAULT_LEASE_TTL
from trt_actors.domain.callbacks import encode
from trt_actors.storage import Currency, InboxState, open_store
from trt_actors.testing.kit import Conversation
from trt_actors.testing.postgres import PostgresServer
from trt_actors.testing.redis_server import RedisServer
from trt_actors.testing.webhook_load import post_updates, start_update

from .cluster import SECRET, Cluster, running_cluster
from .test_generation_per_kind import PROMPT, data_of, open_card

pytestmark = pytest.mark.subprocess

TAKEOVER_TARGET = 10.0  # seconds from an instance's death to its last update answered


def crashes(cluster: Cluster) -> list[dict[str, Any]]:
    return [
        event
        for service in cluster.services
        for event in service.events
        if event.get("event") in ("supervisor.child_crashed", "supervisor.child_gave_up")
    ]


def throttled(cluster: Cluster) -> int:
    """429s the emulator (Telegram's flood limits) gave the bot, all instances together."""
    return sum(n for (_, status), n in cluster.emulator.tallies.items() if status == 429)


def answered(cluster: Cluster, users: list[Any]) -> int:
    return sum(1 for user in users if cluster.emulator.ctl.bot_messages(user))


async def burst(cluster: Cluster, users: list[Any], first_id: int) -> None:
    """Every user's /start through the balancer, all acknowledged (503s posted again)."""
    bodies = [
        (first_id + n, start_update(first_id + n, user.id, user.first_name))
        for n, user in enumerate(users)
    ]
    posted = await post_updates(
        "127.0.0.1",
        cluster.balancer.port,
        f"/webhook/{cluster.tenant}",
        SECRET,
        bodies,
        connections_per_address=8,
        give_up_after=30,
    )
    assert [p.status for p in posted] == [200] * len(users)


async def all_answered_after(cluster: Cluster, users: list[Any], since: float) -> float:
    """Wait for every user's answer; seconds from `since` (time.monotonic) to the last."""
    with trio.fail_after(60):
        while answered(cluster, users) < len(users):
            await trio.sleep(0.05)
    return time.monotonic() - since


async def order_an_image(ann: Conversation) -> None:
    """From /start to a confirmed free image: every step a new update to the balancer."""
    ok = await to_the_order_check(ann)
    await ann.press_data(ok)
    await ann.next_edit(timeout=20)


async def to_the_order_check(ann: Conversation) -> str:
    """From /start to the order check of a free image; its Confirm button's data."""
    await ann.send("/start")
    await ann.next_message(timeout=20)
    await ann.press("Skip")
    await ann.next_edit(timeout=20)
    kind = load_catalog().find("z-image").kind  # type: ignore[union-attr]
    await open_card(ann, kind, "z-image")  # free: no money needed
    await ann.press_data(encode("go", "z-image"))
    await ann.next_edit(timeout=20)
    await ann.send(PROMPT)
    screen = await ann.next_message(timeout=20)
    if not any(d.startswith("v1|ok|") for d in data_of(screen)):
        [go_on] = [d for d in data_of(screen) if d.startswith("v1|nx|")]
        await ann.press_data(go_on)
        screen = await ann.next_edit(timeout=20)
    assert PROMPT in screen["text"]  # the order check
    [ok] = [d for d in data_of(screen) if d.startswith("v1|ok|")]
    return ok


async def photos(cluster: Cluster, ann: Conversation, count: int, timeout: float = 60) -> None:
    """Wait until `count` photos reached Ann (and no more)."""
    with trio.fail_after(timeout):
        while len([m for m in cluster.emulator.ctl.bot_messages(ann.user) if "photo" in m]) < count:
            await trio.sleep(0.1)
    await trio.sleep(1)
    got = [m for m in cluster.emulator.ctl.bot_messages(ann.user) if "photo" in m]
    assert len(got) == count


@pytest.mark.timeout(180)
async def test_a_wizard_with_every_step_on_the_other_instance(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    async with running_cluster(2, tmp_path, postgres_server, redis_url) as cluster:
        ctl = cluster.emulator.ctl
        ann = Conversation(cluster.emulator, ctl.user("Ann", language_code="en"))
        await order_an_image(ann)
        await photos(cluster, ann, 1)
        # both instances received the user's updates, one handled them all in order
        assert all(count >= 3 for count in cluster.balancer.counts.values())
        assert len(cluster.kie.ctl.tasks()) == 1
        answers = [ctl.callback_answer(q) for q in ctl.bot.callbacks]
        assert not [a for a in answers if a and "outdated" in str(a.get("text", "")).lower()]
        assert ctl.unanswered_callbacks() == []
        assert crashes(cluster) == []


@pytest.mark.timeout(180)
async def test_an_instance_killed_after_acknowledging_hands_its_users_over(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    async with running_cluster(2, tmp_path, postgres_server, redis_url) as cluster:
        users = cluster.emulator.ctl.open_chats(200)
        await burst(cluster, users, first_id=1)
        victim, survivor = cluster.services
        victim.kill()
        killed_at = time.monotonic()
        took = await all_answered_after(cluster, users, killed_at)
        assert took <= TAKEOVER_TARGET, f"the last user was answered {took:.1f}s after the kill"
        assert survivor.named("partitions.taken")  # it took the dead one's partitions
        assert throttled(cluster) == 0  # the two kept Telegram's budget together
        assert [e for e in crashes(cluster) if e in survivor.events] == []


@pytest.mark.timeout(240)
async def test_three_instances_two_killed_one_after_the_other(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    async with running_cluster(3, tmp_path, postgres_server, redis_url) as cluster:
        ctl = cluster.emulator.ctl
        first, second = ctl.open_chats(100), ctl.open_chats(100)
        await burst(cluster, first, first_id=1)
        cluster.services[0].kill()
        took = await all_answered_after(cluster, first, time.monotonic())
        assert took <= TAKEOVER_TARGET
        await cluster.settled()  # the two survivors share every partition
        await burst(cluster, second, first_id=1001)
        cluster.services[1].kill()
        took = await all_answered_after(cluster, second, time.monotonic())
        assert took <= TAKEOVER_TARGET
        await cluster.settled()  # the last one owns them all
        assert cluster.owned(cluster.services[2]) == 256
        assert throttled(cluster) == 0


@pytest.mark.timeout(180)
async def test_three_instances_keep_one_message_budget_under_a_burst(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    """300 users at once through three instances: each sends for its own users, and together
    they stay under Telegram's 30 messages/s — no 429 — so the burst takes its 10 s."""
    async with running_cluster(3, tmp_path, postgres_server, redis_url) as cluster:
        users = cluster.emulator.ctl.open_chats(300)
        began = time.monotonic()
        await burst(cluster, users, first_id=1)
        took = await all_answered_after(cluster, users, began)
        assert throttled(cluster) == 0
        assert took >= 300 / 30 - 1  # paced as one bot, not three
        assert all(s.named("partitions.taken") for s in cluster.services)
        assert crashes(cluster) == []


@pytest.mark.timeout(240)
async def test_redis_restarted_mid_burst_loses_nothing(
    tmp_path: Path, postgres_server: str
) -> None:
    """Redis killed (its data lost) and started again while two instances answer a burst:
    their leases are gone, so they stop handling until Redis is back, then divide the
    partitions again and answer everyone; nobody crashes."""
    with RedisServer() as redis:
        async with running_cluster(
            2, tmp_path, postgres_server, redis.url, terms=WELCOME_BONUS
        ) as cluster:
            users = cluster.emulator.ctl.open_chats(150)
            await burst(cluster, users, first_id=1)
            await trio.to_thread.run_sync(redis.kill)
            await trio.sleep(3)
            await trio.to_thread.run_sync(redis.start)
            await all_answered_after(cluster, users, time.monotonic())
            await cluster.settled()
            assert crashes(cluster) == []
            await credited_once(cluster, users)
            lost = [e for s in cluster.services for e in s.named("partitions.rebalance_failed")]
            assert lost  # they noticed


def leads(service: Any, lease: str) -> bool:
    return any(e.get("lease") == lease for e in service.named("coordination.leadership_acquired"))


@pytest.mark.timeout(180)
async def test_leader_work_moves_to_a_survivor_when_the_leader_is_killed(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    async with running_cluster(2, tmp_path, postgres_server, redis_url) as cluster:
        leases = [f"webhook_setter:{cluster.tenant}", f"broadcaster:{cluster.tenant}"]
        with trio.fail_after(30):
            while not all(any(leads(s, lease) for s in cluster.services) for lease in leases):
                await trio.sleep(0.2)
        [leader] = [s for s in cluster.services if leads(s, leases[0])]
        [survivor] = [s for s in cluster.services if s is not leader]
        already = {lease for lease in leases if leads(survivor, lease)}
        leader.kill()
        with trio.fail_after(DEFAULT_LEASE_TTL + 10):  # the dead leader's leases expire
            while not all(leads(survivor, lease) for lease in leases):
                await trio.sleep(0.2)
        assert leases[0] not in already
        # the new leader's webhook setter checks the registration at once
        with trio.fail_after(10):
            while not (
                survivor.named("webhook_setter.ok") or survivor.named("webhook_setter.already_set")
            ):
                await trio.sleep(0.2)
        assert cluster.emulator.ctl.bot.webhook is not None
        assert cluster.emulator.ctl.bot.webhook.url == cluster.webhook_url


def running_job(service: Any) -> bool:
    started = [e for e in service.named("supervisor.child_started") if "job:" in e["child"]]
    return bool(started)


@pytest.mark.timeout(180)
async def test_a_generation_in_flight_on_a_killed_instance_is_delivered_once(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    async with running_cluster(2, tmp_path, postgres_server, redis_url) as cluster:
        cluster.kie.ctl.set_schedule(waiting=1.0, generating=8.0)  # in flight for seconds
        ann = Conversation(cluster.emulator, cluster.emulator.ctl.user("Ann", language_code="en"))
        await order_an_image(ann)
        with trio.fail_after(20):  # submitted to KIE, and its task id saved
            while not (any(running_job(s) for s in cluster.services) and cluster.kie.ctl.tasks()):
                await trio.sleep(0.1)
        await trio.sleep(0.5)
        [owner] = [s for s in cluster.services if running_job(s)]
        owner.kill()
        await photos(cluster, ann, 1, timeout=60)  # the survivor resumed it
        assert len(cluster.kie.ctl.tasks()) == 1  # never submitted twice


@pytest.mark.timeout(240)
async def test_postgresql_restarted_mid_burst_loses_nothing(tmp_path: Path, redis_url: str) -> None:
    """The database restarted (connections cut) while two instances answer a burst: sessions
    wait for it instead of failing, every acknowledged update is answered, nothing is given
    up on."""
    with PostgresServer() as postgres:
        async with running_cluster(
            2, tmp_path, postgres.url, redis_url, terms=WELCOME_BONUS
        ) as cluster:
            users = cluster.emulator.ctl.open_chats(150)
            await burst(cluster, users, first_id=1)
            await trio.to_thread.run_sync(postgres.restart)
            await all_answered_after(cluster, users, time.monotonic())
            gave_up = [
                e
                for s in cluster.services
                for e in s.events
                if e.get("event") in ("supervisor.child_gave_up", "tenant.parked")
            ]
            assert gave_up == []
            with trio.fail_after(30):  # and every one of them saved as handled
                while await pending_rows(postgres.url, cluster):
                    await trio.sleep(0.5)
            await credited_once(cluster, users)


WELCOME_BONUS = {"welcome_bonus_kopecks": 5_000}  # a money movement for each new user


async def credited_once(cluster: Cluster, users: list[Any]) -> None:
    """Each user got the welcome bonus exactly once: no movement repeated by a replay."""
    async with open_store(cluster.database, migrate=False) as store:
        balances = await store.read(
            cluster.tenant,
            lambda tx: [tx.ledger.account(u.id, Currency.RUB).balance for u in users],
        )
    assert balances == [5_000] * len(users)


async def pending_rows(server: str, cluster: Cluster) -> int:
    async with open_store(cluster.database, migrate=False) as store:
        return len(await store.inbox.pending_ids(cluster.tenant, list(range(256))))


def owner_of_user(cluster: Cluster, user_id: int) -> Any:
    """The instance whose share holds `user_id`'s partition (the same arithmetic as theirs)."""
    members = {s.named("instance.serving")[0]["instance"]: s for s in cluster.alive()}
    return members[owner_of(partition_of(user_id), list(members))]


@pytest.mark.timeout(180)
async def test_a_paused_owner_cannot_save_over_its_successor(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    """The owner of a user is paused (SIGSTOP) in the middle of an update; its leases expire,
    the other instance takes the user and handles the update; when the paused one wakes up
    and tries to save, the fencing token refuses it, and the successor's state stands."""
    async with running_cluster(2, tmp_path, postgres_server, redis_url) as cluster:
        ctl = cluster.emulator.ctl
        ann = ctl.user("Ann", language_code="en")
        owner = owner_of_user(cluster, ann.id)
        [successor] = [s for s in cluster.services if s is not owner]
        cluster.emulator.faults.inject("slow", method="sendMessage", times=1, delay=12.0)
        await burst(cluster, [ann], first_id=1)
        await trio.sleep(1)  # the owner's session waits for its (slow) reply
        taken_before = len(successor.named("partitions.taken"))
        owner.signal(signal.SIGSTOP)
        async with open_store(cluster.database, migrate=False) as store:
            with trio.fail_after(30):  # its leases expired; the successor took and handled Ann
                while len(successor.named("partitions.taken")) == taken_before:
                    await trio.sleep(0.2)
                while (
                    saved := await store.read(cluster.tenant, lambda tx: tx.sessions.load(ann.id))
                ).version == 0:
                    await trio.sleep(0.2)
            assert saved.version == 1
            await trio.sleep(12)  # the paused owner's reply is answered meanwhile
            owner.signal(signal.SIGCONT)
            with trio.fail_after(20):
                while not owner.named("session.fenced"):
                    await trio.sleep(0.2)
            after = await store.read(cluster.tenant, lambda tx: tx.sessions.load(ann.id))
            row = await store.read(cluster.tenant, lambda tx: tx.inbox.get(1))
        assert after.version == saved.version and after.state == saved.state
        assert row.state is InboxState.DONE and row.attempts == 0
        assert crashes(cluster) == []


@pytest.mark.timeout(180)
async def test_confirm_pressed_twice_on_two_instances_makes_one_job(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    """Two presses of Confirm at once, each posted to another instance: the user's owner
    handles them one after the other, and the second finds the order already placed."""
    async with running_cluster(2, tmp_path, postgres_server, redis_url) as cluster:
        ctl = cluster.emulator.ctl
        ann = Conversation(cluster.emulator, ctl.user("Ann", language_code="en"))
        ok = await to_the_order_check(ann)
        check = ctl.bot_messages(ann.user)[-1]
        first = ctl.press_button(ann.user, check["message_id"], callback_data=ok)
        second = ctl.press_button(ann.user, check["message_id"], callback_data=ok)
        await photos(cluster, ann, 1)
        assert len(cluster.kie.ctl.tasks()) == 1
        with trio.fail_after(10):  # both presses answered (no spinner left)
            while ctl.callback_answer(first) is None or ctl.callback_answer(second) is None:
                await trio.sleep(0.1)
        assert crashes(cluster) == []
