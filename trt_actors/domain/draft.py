"""A draft against its model: where the wizard goes next, and the draft as catalog params.

The wizard is generated from `Model.inputs`: it asks every input the catalog marks
`asks_user` (required, no default) in model order, then lists the settings (every other
input) once, then confirms. Nothing here is per model.
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

from trt_actors.catalog import Input, Media, MediaInput, Model, NumberInput, ParamValue
from trt_actors.catalog import format_exact as exact_text

from .effects import JsonParam
from .state import Draft

SETTINGS = "opt"
CONFIRM = "ok"


def step_of(index: int) -> str:
    """The position that asks input `index`."""
    return f"i{index}"


def input_at(model: Model, position: str) -> tuple[int, Input] | None:
    """The input a position asks (index and spec), or None for settings, confirm, garbage."""
    if not position.startswith("i") or not position[1:].isdigit():
        return None
    index = int(position[1:])
    return (index, model.inputs[index]) if index < len(model.inputs) else None


def has_value(draft: Draft, spec: Input) -> bool:
    if isinstance(spec, MediaInput):
        return bool(draft.media.get(spec.name))
    return spec.name in draft.values


def has_settings(model: Model) -> bool:
    """True when the model has inputs the wizard does not ask in turn."""
    return any(not spec.asks_user for spec in model.inputs)


def next_position(model: Model, draft: Draft) -> str:
    """Where the wizard goes after an answer: back to the settings list once it was seen,
    else the next unanswered asked input, else the settings (if any), else confirmation."""
    if draft.reviewed:
        return SETTINGS
    for index, spec in enumerate(model.inputs):
        if spec.asks_user and not has_value(draft, spec):
            return step_of(index)
    return SETTINGS if has_settings(model) else CONFIRM


def first_position(model: Model) -> str:
    return next_position(model, Draft(serial=0, model_id=model.id, position=""))


def catalog_params(model: Model, draft: Draft) -> dict[str, ParamValue]:
    """The draft as the catalog validates and prices it (only what the user gave)."""
    params: dict[str, ParamValue] = {}
    for spec in model.inputs:
        if isinstance(spec, MediaInput):
            files = draft.media.get(spec.name)
            if files:
                params[spec.name] = tuple(
                    Media(duration_seconds=f.seconds, megapixels=f.megapixels) for f in files
                )
            continue
        if spec.name not in draft.values:
            continue
        value = draft.values[spec.name]
        if isinstance(spec, NumberInput) and isinstance(value, str):
            try:
                params[spec.name] = Fraction(value)
            except (ValueError, ZeroDivisionError):
                continue
        else:
            params[spec.name] = value
    return params


def job_params(model: Model, draft: Draft) -> dict[str, JsonParam]:
    """The draft as a job receives it: numbers as decimal text, media as Telegram file ids."""
    params: dict[str, JsonParam] = {}
    for spec in model.inputs:
        if isinstance(spec, MediaInput):
            files = draft.media.get(spec.name)
            if files:
                params[spec.name] = [f.file_id for f in files]
        elif spec.name in draft.values:
            value = draft.values[spec.name]
            if isinstance(spec, NumberInput) and isinstance(value, str):
                value = exact_text(Fraction(value))
            params[spec.name] = value
    return params


def idempotency_key(user_id: int, draft: Draft, params: dict[str, JsonParam]) -> str:
    """The same key for every press of one confirmation (same user, draft and params)."""
    body = json.dumps(
        [user_id, draft.serial, draft.model_id, params], sort_keys=True, ensure_ascii=False
    )
    return "gen-" + hashlib.sha256(body.encode()).hexdigest()[:32]
