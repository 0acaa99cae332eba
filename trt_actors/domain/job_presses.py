"""Presses on a generation's messages: Again, Change parameters, Cancel, open from History,
send the result again. Pure: the job they name arrives in `Context.requested_job` (looked
up for presses whose code is in `job_lookups.JOB_CODES`, by the first argument).

Again and Try again lead to the confirmation of the same parameters, so the price and the
balance are checked again; Change parameters to the wizard's settings list, prefilled. Pressed
again while that screen's draft is untouched, they bring the same draft back (same serial,
so both copies confirm one order) rather than a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from trt_actors.model import JobState

from .context import JobView
from .draft import CONFIRM, SETTINGS
from .effects import CancelGeneration, RedeliverResult
from .job_lookups import JobArgs
from .moves import Move
from .screens import jobs
from .state import JourneyState
from .turn import Turn
from .view import Screen
from .wizard import in_wizard

Action = Callable[[Turn, JourneyState, JobArgs], Move | None]

CANCELLABLE = frozenset({JobState.CREATED, JobState.SUBMITTED})


def _mine(turn: Turn, args: JobArgs) -> JobView | None:
    job = jobs.visible_job(turn, str(args.job_id))
    return job if job is not None and job.owner_id == turn.user_id else None


def _rewizard(position: str) -> Action:
    def action(turn: Turn, state: JourneyState, args: JobArgs) -> Move | None:
        job = _mine(turn, args)
        model = turn.model(job.model_id) if job else None
        if job is None or model is None:
            return None
        same = jobs.draft_of(model, state.serial, job.params, position)
        if state.draft == same:  # pressed again: the screen it opened, not a second order
            return Move(in_wizard(state, same))
        serial = state.serial + 1
        draft = jobs.draft_of(model, serial, job.params, position)
        return Move(replace(in_wizard(state, draft), serial=serial))

    return action


again = _rewizard(CONFIRM)
change_parameters = _rewizard(SETTINGS)


def cancel(turn: Turn, state: JourneyState, args: JobArgs) -> Move | None:
    job = _mine(turn, args)
    if job is None:
        return None
    if job.state not in CANCELLABLE:
        note = turn.t("job_cancel_too_late")
        return Move(state, toast=note, screen=Screen(note))
    effect = CancelGeneration(turn.user_id, int(job.job_id))
    return Move(
        state, toast=turn.t("job_cancelling"), screen=jobs.cancelling(turn), effects=(effect,)
    )


def open_job(turn: Turn, state: JourneyState, args: JobArgs) -> Move | None:
    job = jobs.visible_job(turn, str(args.job_id))
    if job is None:
        return Move(state, screen=jobs.not_found(turn, str(args.job_id)))
    return Move(state, screen=jobs.detail(turn, job))


def send_again(turn: Turn, state: JourneyState, args: JobArgs) -> Move | None:
    job = _mine(turn, args)
    if job is None:
        return None
    if job.state != JobState.DELIVERED or not job.result_urls:
        note = turn.t("job_nothing_to_send")
        return Move(state, toast=note, screen=jobs.detail(turn, job))
    effect = RedeliverResult(turn.user_id, int(job.job_id))
    toast = turn.t("job_redelivering")
    return Move(state, toast=toast, screen=jobs.detail(turn, job), effects=(effect,))
