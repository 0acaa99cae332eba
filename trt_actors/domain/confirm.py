"""Confirm: the one press that starts a generation — exactly once per confirmation.

The first press of a ready confirmation emits `StartGeneration` and moves the state to
"starting"; any later press of the same confirmation (the same draft serial) only says it is
already starting. The idempotency key comes from the user, the draft serial and the params,
so even a replay of the first press (state not saved yet) carries the same key.
"""

from __future__ import annotations

from dataclasses import replace

from .callbacks import Press
from .draft import CONFIRM, idempotency_key, job_params
from .effects import StartGeneration
from .moves import Move
from .order import assess
from .state import JourneyState, Started
from .turn import Turn
from .wizard import current, in_wizard

STARTING = "g"  # the screen path of "your generation is starting"


def confirm(turn: Turn, state: JourneyState, press: Press) -> Move | None:
    started = state.started
    if started is not None and press.number(0) == started.serial:
        note = turn.t("note_already_starting")
        return Move(state.at(STARTING), note=note, toast=note)
    found = current(turn, state, press)
    if found is None or turn.chat_id is None:
        return None
    model, draft = found
    order = assess(turn, model, draft)
    if not order.ready or order.price is None:
        note = turn.t("note_not_ready")
        return Move(in_wizard(state, replace(draft, position=CONFIRM)), note=note, toast=note)
    params = job_params(model, draft)
    key = idempotency_key(turn.user_id, draft, params)
    effect = StartGeneration(
        user_id=turn.user_id,
        chat_id=turn.chat_id,
        model_id=model.id,
        params=params,
        price_kopecks=order.price.kopecks,
        free=order.free,
        idempotency_key=key,
        media={name: [f.dump() for f in files] for name, files in draft.media.items()},
        allowance=order.allowance,
    )
    record = Started(draft.serial, key, model.id, order.price.kopecks, order.free)
    after = replace(state, draft=None, started=record, screen=STARTING)
    return Move(after, toast=turn.t("toast_starting"), effects=(effect,))
