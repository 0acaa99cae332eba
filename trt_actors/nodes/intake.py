"""A tenant's intake children: polling, or the webhook door and (if asked) its setter."""

from __future__ import annotations

import functools

from trt_actors.actors import ActorRef, actor_child
from trt_actors.actors.dispatcher import Backlog, DispatcherMessage
from trt_actors.actors.polling_intake import PollingIntakeActor
from trt_actors.actors.webhook_setter import WebhookSetterActor, WebhookTarget
from trt_actors.coordination import Coordination
from trt_actors.routes.webhook import WebhookDoors, WebhookIntake
from trt_actors.storage import Store
from trt_actors.supervisors import ChildSpec
from trt_actors.telegram.bot_api import BotApi
from trt_actors.tenants.config import TenantConfig

from .tenant import open_webhook_door


def intake_children(
    tenant: TenantConfig,
    api: BotApi,
    store: Store,
    dispatcher: ActorRef[DispatcherMessage],
    *,
    doors: WebhookDoors,
    coordination: Coordination,
    backlog: Backlog,
    answer_rate: float,
) -> list[ChildSpec]:
    """Polling: the getUpdates actor. Webhook: the tenant's door, and the setter if asked.
    Both take updates only while `backlog` has room (`answer_rate`: updates/s the bot can
    answer, for the Retry-After of a refusal)."""
    tid = tenant.tenant_id
    if tenant.mode != "webhook":
        spec, _ = actor_child(
            "intake",
            lambda: PollingIntakeActor(tid, api, store, dispatcher, backlog=backlog),
            tenant=tid,
        )
        return [spec]
    intake = WebhookIntake(
        tid,
        tenant.webhook_secret or "",
        store,
        dispatcher,
        backlog=backlog,
        answer_rate=answer_rate,
    )
    children = [ChildSpec("intake", functools.partial(open_webhook_door, doors, intake))]
    if tenant.webhook_base_url and tenant.auto_set_webhook:
        target = WebhookTarget(
            f"{tenant.webhook_base_url}/webhook/{tid}", tenant.webhook_secret or ""
        )
        setter, _ = actor_child(
            "webhook_setter",
            lambda: WebhookSetterActor(api, coordination, target, tenant=tid),
            tenant=tid,
        )
        children.append(setter)
    return children
