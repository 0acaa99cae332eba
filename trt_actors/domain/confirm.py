"""Confirm: the one press that starts a generation — exactly once per confirmation.

The first press of a ready confirmation emits `StartGeneration` and shows "starting" once:
the state goes back to the main menu (with the order remembered in `started`), so no later
screen claims the work is still starting. Any later press of the same confirmation (the same
draft serial) says it is already starting — or, once that order's job has finished (the
user's newest job, looked up for every Confirm), shows how it went. The idempotency key
comes from the user, the draft serial and the params, so even a replay of the first press
(state not saved yet) carries the same key: storage holds the money, or reserves the free
generation, once per key (`actors/job/opening.py`).

While generations are paused (KIE is out of credits: `Context.generation_paused`), Confirm
starts nothing: it says "temporarily unavailable" and stays on the order check.
"""

from __future__ import annotations

from dataclasses import replace

from trt_actors.model import JobState

from .context import JobView
from .draft import CONFIRM, idempotency_key, job_params
from .effects import StartGeneration
from .moves import Move
from .order import assess
from .screens import jobs, summary
from .state import MENU, JourneyState, Started
from .turn import Turn
from .wizard import DraftArgs, current, in_wizard

FINISHED_STATES = frozenset({JobState.DELIVERED}) | jobs.FAILED_STATES


def confirm(turn: Turn, state: JourneyState, args: DraftArgs) -> Move | None:
    started = state.started
    if started is not None and args.serial == started.serial:
        return _pressed_again(turn, state, started)
    found = current(turn, state, args.serial)
    if found is None or turn.chat_id is None:
        return None
    model, draft = found
    if turn.context.generation_paused:  # KIE is out of credits: nothing is held or sent
        note = turn.t("note_generation_paused")
        return Move(in_wizard(state, replace(draft, position=CONFIRM)), note=note, toast=note)
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
    after = replace(state, draft=None, started=record, screen=MENU)
    shown = summary.starting(turn, after)
    return Move(after, toast=turn.t("toast_starting"), effects=(effect,), screen=shown)


def _pressed_again(turn: Turn, state: JourneyState, started: Started) -> Move:
    """Confirm of an order already placed: "already starting" while its job runs; how it
    went once it has finished."""
    job = _job_of(turn, started)
    if job is not None and job.state in FINISHED_STATES:
        note = turn.t("note_order_finished")
        return Move(state, note=note, toast=note, screen=jobs.detail(turn, job))
    note = turn.t("note_already_starting")
    return Move(state, note=note, toast=note, screen=summary.starting(turn, state))


def _job_of(turn: Turn, started: Started) -> JobView | None:
    """The job the order became: the user's newest, when it is of that model and price."""
    newest = turn.context.recent_jobs[0] if turn.context.recent_jobs else None
    if newest is None or newest.owner_id != turn.user_id:
        return None
    same_price = started.free if newest.free else newest.price_kopecks == started.price_kopecks
    return newest if newest.model_id == started.model_id and same_price else None
