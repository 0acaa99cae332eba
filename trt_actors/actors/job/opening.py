"""Jobs as the session opens them (the money hold or the free generation reserved, and the
row, in its transaction) and as a job actor reads their stored params back for the catalog."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from trt_actors.catalog import Media, MediaInput, NumberInput, ParamValue
from trt_actors.domain.effects import MEDIA_FACTS, StartGeneration
from trt_actors.domain.screens.jobs import FREE_GONE, NO_MONEY
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.money import reserve_free
from trt_actors.storage import Currency, InsufficientFunds, Tx


def kie_params(
    model: Any, params: Mapping[str, Any]
) -> tuple[dict[str, ParamValue], dict[str, Sequence[str]]]:
    """A job's stored params as the catalog takes them, and the media file ids per input."""
    values: dict[str, ParamValue] = {}
    media: dict[str, Sequence[str]] = {}
    for spec in model.inputs:
        if spec.name not in params:
            continue
        value = params[spec.name]
        if isinstance(spec, MediaInput):
            media[spec.name] = list(value)
            values[spec.name] = tuple(Media() for _ in value)
        elif isinstance(spec, NumberInput) and isinstance(value, str):
            values[spec.name] = Fraction(value)
        else:
            values[spec.name] = value
    return values, media


@dataclass(frozen=True, slots=True)
class Refused:
    """A confirmed generation storage would not open (no job, nothing held or charged):
    `why` is `FREE_GONE` (no free generation left to reserve) or `NO_MONEY` (the balance
    no longer covers the price)."""

    effect: StartGeneration
    why: str


@dataclass(frozen=True, slots=True)
class Opening:
    """What `open_jobs` did: the new jobs (to start once the transaction committed) and the
    confirmations it refused (the user is told, with the top-up offer)."""

    started: list[int] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def open_jobs(
    tx: Tx,
    effects: Sequence[StartGeneration],
    terms: TenantSettings,
    now: datetime.datetime,
) -> Opening:
    """Inside the session's transaction: for each confirmed generation, hold its price or
    reserve its free generation, and store the job.

    - A paid generation holds its price; the confirmation's idempotency key is the hold's.
    - A free one reserves one free generation (today's quota in the tenant's day, else a
      bonus one), keyed the same way; the job settles it (captured on delivery, released
      on failure or cancel). Admins reserve nothing: their generations are free.
    - A limited admin's generation on their allowance is recorded at its price with no
      hold: the sum of such jobs is what their allowance has spent.

    A confirmation whose key held or reserved before (the same Confirm performed again)
    opens nothing more. One that cannot be covered — no free generation left (another
    order took the last one), or the balance short of the price — opens no job and takes
    nothing: it is returned as `Refused`, never charged in place of a free one."""
    opening = Opening()
    for effect in effects:
        hold_id = None
        free_hold = None
        if effect.allowance:  # the price is recorded (the allowance spent), nothing held
            price = effect.price_kopecks
        elif effect.free:
            price = 0
            if not terms.is_admin(effect.user_id):
                free_hold = reserve_free(tx, terms, effect.user_id, effect.idempotency_key, now)
                if free_hold is None:
                    opening.refused.append(Refused(effect, FREE_GONE))
                    continue
                if free_hold.replayed:  # this confirmation opened its job before
                    continue
        else:
            price = effect.price_kopecks
            if price > 0:
                try:
                    hold = tx.ledger.hold(
                        effect.user_id,
                        price,
                        Currency.RUB,
                        key=effect.idempotency_key,
                        actor=f"user:{effect.user_id}",
                        reference=effect.model_id,
                    )
                except InsufficientFunds:
                    opening.refused.append(Refused(effect, NO_MONEY))
                    continue
                if hold.replayed:  # this confirmation opened its job before
                    continue
                hold_id = hold.hold_id
        params: dict[str, Any] = dict(effect.params)
        if effect.media:
            params[MEDIA_FACTS] = effect.media
        job = tx.jobs.create(
            effect.user_id,
            effect.model_id,
            params,
            price=price,
            currency=Currency.RUB,
            hold_id=hold_id,
        )
        if free_hold is not None:
            tx.free_holds.attach(free_hold.id, job.id)
        opening.started.append(job.id)
    return opening
