"""The wizard's transitions: answers, Back, Reset, Cancel, Skip, Done, the settings list.

Every function takes the state and returns a `Move` (the next position and, for a wrong
answer, a precise hint with the same step again), or None when the press belongs to a draft
that is gone (a stale button). Typed answers (text, numbers, files) are in `answers.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from trt_actors.catalog import BooleanInput, EnumInput, MediaInput, Model, Unavailable

from .callbacks import Args
from .draft import CONFIRM, SETTINGS, catalog_params, first_position, next_position, step_of
from .moves import Move
from .state import Draft, JourneyState
from .turn import Turn

WIZARD = "w"  # the screen path of the wizard: its position is in the draft


def in_wizard(state: JourneyState, draft: Draft) -> JourneyState:
    return replace(state, draft=draft, screen=WIZARD)


def advance(model: Model, draft: Draft) -> Draft:
    """The draft moved on to where the wizard goes after an answer."""
    position = next_position(model, draft)
    moved = draft.moved(position)
    return replace(moved, reviewed=True) if position in (SETTINGS, CONFIRM) else moved


@dataclass(frozen=True, slots=True)
class ModelArgs(Args):
    """`go|<model>`, `c|<model>`: a model of the catalog."""

    model_id: str


@dataclass(frozen=True, slots=True)
class DraftArgs(Args):
    """A press on the wizard's draft number `serial` (stale once another draft began)."""

    serial: int


@dataclass(frozen=True, slots=True)
class StepArgs(Args):
    """A press on input `step` of draft `serial`."""

    serial: int
    step: int


@dataclass(frozen=True, slots=True)
class OptionArgs(Args):
    """Option `option` of input `step` of draft `serial` (an enum's choice)."""

    serial: int
    step: int
    option: int


def current(turn: Turn, state: JourneyState, serial: int) -> tuple[Model, Draft] | None:
    """The draft a wizard press is for, with its model; None when the press is stale."""
    draft = state.draft
    if draft is None or serial != draft.serial:
        return None
    model = turn.model(draft.model_id)
    return None if model is None else (model, draft)


def _input(model: Model, step: int) -> int | None:
    return step if step < len(model.inputs) else None


def begin(turn: Turn, state: JourneyState, args: ModelArgs) -> Move | None:
    """Start: a new draft for the model, at its first question."""
    model = turn.model(args.model_id)
    if model is None:
        return None
    serial = state.serial + 1
    draft = Draft(serial=serial, model_id=model.id, position=first_position(model))
    if draft.position in (SETTINGS, CONFIRM):
        draft = replace(draft, reviewed=True)
    return Move(replace(in_wizard(state, draft), serial=serial))


def choose(turn: Turn, state: JourneyState, args: OptionArgs) -> Move | None:
    """An enum option pressed: set it and go on — unless the other choices rule it out."""
    found = current(turn, state, args.serial)
    index = _input(found[0], args.step) if found else None
    if found is None or index is None:
        return None
    model, draft = found
    spec = model.inputs[index]
    option = args.option
    if not isinstance(spec, EnumInput) or option >= len(spec.options):
        return None
    value = spec.options[option].value
    quote = turn.price(model, {**catalog_params(model, draft), spec.name: value})
    if isinstance(quote, Unavailable) and quote.code == "combination":
        here = replace(draft, position=step_of(index))
        return Move(in_wizard(state, here), note=quote.reason.get(turn.language))
    chosen = replace(draft, values={**draft.values, spec.name: value})
    return Move(in_wizard(state, advance(model, chosen)))


def toggle(turn: Turn, state: JourneyState, args: StepArgs) -> Move | None:
    """A boolean's switch pressed: flip it and stay on the step."""
    found = current(turn, state, args.serial)
    index = _input(found[0], args.step) if found else None
    if found is None or index is None:
        return None
    model, draft = found
    spec = model.inputs[index]
    if not isinstance(spec, BooleanInput):
        return None
    flipped = draft.values.get(spec.name, spec.default) is not True
    here = replace(draft, values={**draft.values, spec.name: flipped}, position=step_of(index))
    return Move(in_wizard(state, here))


def done(turn: Turn, state: JourneyState, args: StepArgs) -> Move | None:
    """Done on a media step (enough files?) or a boolean step (keep the value shown)."""
    found = current(turn, state, args.serial)
    index = _input(found[0], args.step) if found else None
    if found is None or index is None:
        return None
    model, draft = found
    spec = model.inputs[index]
    if isinstance(spec, BooleanInput):
        value = draft.values.get(spec.name, spec.default) is True
        return Move(
            in_wizard(
                state, advance(model, replace(draft, values={**draft.values, spec.name: value}))
            )
        )
    if not isinstance(spec, MediaInput):
        return None
    count = len(draft.media.get(spec.name, ()))
    if count < max(spec.min_count, 1):
        here = replace(draft, position=step_of(index))
        note = turn.t("hint_media_more", count=max(spec.min_count, 1) - count)
        return Move(in_wizard(state, here), note=note)
    return Move(in_wizard(state, advance(model, draft)))


def skip(turn: Turn, state: JourneyState, args: StepArgs) -> Move | None:
    """Skip an optional input: its value is cleared (the default applies) and the wizard goes on."""
    found = current(turn, state, args.serial)
    index = _input(found[0], args.step) if found else None
    if found is None or index is None:
        return None
    model, draft = found
    spec = model.inputs[index]
    if spec.asks_user:
        return None
    values = {k: v for k, v in draft.values.items() if k != spec.name}
    media = {k: v for k, v in draft.media.items() if k != spec.name}
    return Move(in_wizard(state, advance(model, replace(draft, values=values, media=media))))


def back(turn: Turn, state: JourneyState, args: DraftArgs) -> Move | None:
    """One position back; from the first question, back to the model's card."""
    found = current(turn, state, args.serial)
    if found is None:
        return None
    model, draft = found
    if not draft.trail:
        return Move(replace(state, draft=None, screen=f"c|{model.id}"))
    previous = replace(draft, position=draft.trail[-1], trail=draft.trail[:-1])
    return Move(in_wizard(state, previous))


def reset(turn: Turn, state: JourneyState, args: DraftArgs) -> Move | None:
    """Start the same model over: every answer cleared."""
    found = current(turn, state, args.serial)
    if found is None:
        return None
    model, draft = found
    fresh = Draft(serial=draft.serial, model_id=model.id, position=first_position(model))
    if fresh.position in (SETTINGS, CONFIRM):
        fresh = replace(fresh, reviewed=True)
    return Move(in_wizard(state, fresh), note=turn.t("note_reset"))


def cancel(turn: Turn, state: JourneyState, args: DraftArgs) -> Move | None:
    if current(turn, state, args.serial) is None:
        return None
    return Move(replace(state, draft=None, screen="m"), note=turn.t("note_cancelled"))


def open_input(turn: Turn, state: JourneyState, args: StepArgs) -> Move | None:
    """From the settings list: ask one input (then come back to the list)."""
    found = current(turn, state, args.serial)
    index = _input(found[0], args.step) if found else None
    if found is None or index is None:
        return None
    draft = replace(found[1].moved(step_of(index)), reviewed=True)
    return Move(in_wizard(state, draft))


def to_settings(turn: Turn, state: JourneyState, args: DraftArgs) -> Move | None:
    """Edit: the settings list."""
    found = current(turn, state, args.serial)
    if found is None:
        return None
    return Move(in_wizard(state, replace(found[1].moved(SETTINGS), reviewed=True)))


def to_confirmation(turn: Turn, state: JourneyState, args: DraftArgs) -> Move | None:
    """Continue from the settings list: the confirmation (or the first missing answer)."""
    found = current(turn, state, args.serial)
    if found is None:
        return None
    model, draft = found
    missing = next(
        (
            i
            for i, spec in enumerate(model.inputs)
            if spec.asks_user and not _given(draft, spec.name)
        ),
        None,
    )
    position = CONFIRM if missing is None else step_of(missing)
    note = None if missing is None else turn.t("hint_answer_first")
    return Move(in_wizard(state, replace(draft.moved(position), reviewed=True)), note=note)


def _given(draft: Draft, name: str) -> bool:
    return name in draft.values or bool(draft.media.get(name))
