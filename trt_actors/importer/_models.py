"""Which model of our catalog each of the old bot's model ids is. Pure.

The old bot recorded KIE's model ids (``flux-2/pro-text-to-image``); our catalog names models
by short ids of its own (``flux-2-pro``) and keeps KIE's id in each model's route. A past
generation is shown in History under our model when exactly one catalog model has that KIE id
(so its name shows, and Again starts it); otherwise its old id is kept as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

from trt_actors.catalog import Model

__all__ = ["model_ids"]


def model_ids(models: Iterable[Model]) -> dict[str, str]:
    """Old model id → our model id: our own ids, and KIE ids only one model is routed to."""
    ours: dict[str, str] = {}
    routed: dict[str, set[str]] = {}
    for model in models:
        ours[model.id] = model.id
        if model.route.kie_model:
            routed.setdefault(model.route.kie_model, set()).add(model.id)
    for kie_id, found in routed.items():
        if len(found) == 1 and kie_id not in ours:
            ours[kie_id] = next(iter(found))
    return ours
