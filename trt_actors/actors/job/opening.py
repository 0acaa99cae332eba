"""Jobs as the session opens them (hold and row in its transaction) and as a job actor
reads their stored params back for the catalog."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from trt_actors.catalog import Media, MediaInput, NumberInput, ParamValue
from trt_actors.domain.effects import MEDIA_FACTS, StartGeneration
from trt_actors.storage import Currency, Tx


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


def open_jobs(tx: Tx, effects: Sequence[StartGeneration]) -> list[int]:
    """Inside the session's transaction: for each confirmed generation, hold its price (the
    confirmation's idempotency key is the hold's key) and store the job. A free generation
    holds nothing (price 0); its free use is counted when it is delivered. A limited admin's
    generation on their allowance is recorded at its price with no hold: the sum of such jobs
    is what their allowance has spent. Returns the new
    jobs' ids, to be started once the transaction committed."""
    job_ids = []
    for effect in effects:
        hold_id = None
        price = 0 if effect.free else effect.price_kopecks
        if effect.allowance:  # the price is recorded (the allowance spent), nothing held
            price = effect.price_kopecks
        elif price > 0:
            hold = tx.ledger.hold(
                effect.user_id,
                price,
                Currency.RUB,
                key=effect.idempotency_key,
                actor=f"user:{effect.user_id}",
                reference=effect.model_id,
            )
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
        job_ids.append(job.id)
    return job_ids
