"""Typed answers to the wizard: text, numbers and files, each checked by the catalog.

A wrong answer keeps the step and says precisely what is wrong (the catalog's own wording:
"at most 1000 characters (now 1204)", "from 1 to 10", "at most 15 s long"); an answer at a
step that wants buttons, or a file of the wrong kind, says what the step wants.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from trt_actors.catalog import (
    Input,
    Media,
    MediaInput,
    Model,
    NumberInput,
    ParamValue,
    TextInput,
    exact,
)
from trt_actors.catalog import format_exact as exact_text

from .draft import input_at
from .media import MAX_FILE_BYTES, Received
from .moves import Move
from .state import Draft, JourneyState
from .turn import Turn
from .wizard import WIZARD, advance, in_wizard


def _problem(turn: Turn, model: Model, spec: Input, value: ParamValue) -> str | None:
    """The catalog's complaint about `value` for `spec` alone, in the user's language."""
    for problem in model.validate({spec.name: value}):
        if problem.input == spec.name and problem.code != "count":
            return problem.message.get(turn.language)
    return None


def _asking(turn: Turn, state: JourneyState) -> tuple[Model, Draft, Input] | None:
    draft = state.draft
    if state.screen != WIZARD or draft is None:
        return None
    model = turn.model(draft.model_id)
    found = input_at(model, draft.position) if model else None
    if model is None or found is None:
        return None
    return model, draft, found[1]


def _expected(turn: Turn, spec: Input) -> str:
    if isinstance(spec, MediaInput):
        return turn.t("hint_send_media", what=turn.t(f"media_{spec.media.value}"))
    if isinstance(spec, TextInput | NumberInput):
        return turn.t("hint_send_text")
    return turn.t("hint_use_buttons")


def accept_text(turn: Turn, state: JourneyState, text: str) -> Move | None:
    """A typed answer; None when no wizard step is waiting for one."""
    found = _asking(turn, state)
    if found is None:
        return None if state.screen != WIZARD else Move(state, note=turn.t("hint_use_buttons"))
    model, draft, spec = found
    if isinstance(spec, TextInput):
        value: str = text
        problem = _problem(turn, model, spec, text)
    elif isinstance(spec, NumberInput):
        number = _number(text)
        if number is None:
            example = exact_text(spec.default if spec.default is not None else spec.minimum)
            return Move(state, note=turn.t("hint_number", example=example))
        value, problem = str(number), _problem(turn, model, spec, number)
    else:
        return Move(state, note=_expected(turn, spec))
    if problem is not None:
        return Move(state, note=problem)
    answered = replace(draft, values={**draft.values, spec.name: value})
    return Move(in_wizard(state, advance(model, answered)))


def unusable(turn: Turn, state: JourneyState) -> Move | None:
    """A message the wizard cannot use (a sticker, a location): say what the step wants and
    keep it; None when no wizard step is waiting."""
    if state.screen != WIZARD:
        return None
    found = _asking(turn, state)
    return Move(state, note=_expected(turn, found[2]) if found else turn.t("hint_use_buttons"))


def accept_caption(turn: Turn, state: JourneyState, caption: str) -> Move | None:
    """A file's caption as the answer to the text step the file led to (the usual "photo
    with its prompt" message); None when the wizard is not now asking for text."""
    found = _asking(turn, state)
    if found is None or not isinstance(found[2], TextInput):
        return None
    return accept_text(turn, state, caption)


def _number(text: str) -> Fraction | None:
    try:
        return exact(text.strip().replace(",", ".").replace(" ", ""))
    except (TypeError, ValueError):
        return None


def accept_media(turn: Turn, state: JourneyState, received: Received) -> Move | None:
    """A file sent; None when no wizard step is waiting for anything."""
    found = _asking(turn, state)
    if found is None:
        return None if state.screen != WIZARD else Move(state, note=turn.t("hint_use_buttons"))
    model, draft, spec = found
    if not isinstance(spec, MediaInput):
        return Move(state, note=_expected(turn, spec))
    if not received.fits(spec.media):
        return Move(state, note=_expected(turn, spec))
    if received.too_big:  # nothing is downloaded: the limit, and the step stays
        return Move(state, note=turn.t("hint_media_too_big", limit=MAX_FILE_BYTES // 2**20))
    files = (*draft.media.get(spec.name, ()), received.file)
    if len(files) > spec.max_count:
        return Move(state, note=turn.t("hint_media_full", count=spec.max_count))
    described = tuple(Media(duration_seconds=f.seconds, megapixels=f.megapixels) for f in files)
    problem = _problem(turn, model, spec, described)
    if problem is not None:
        return Move(state, note=problem)
    updated = replace(draft, media={**draft.media, spec.name: files})
    if len(files) < spec.max_count:
        return Move(in_wizard(state, updated), note=turn.t("note_media_got", count=len(files)))
    return Move(in_wizard(state, advance(model, updated)))
