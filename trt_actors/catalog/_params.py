"""Checking what a user gave against a model's inputs, in words fit for the user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ._exact import format_exact
from ._inputs import (
    BooleanInput,
    EnumInput,
    Input,
    Media,
    MediaInput,
    MediaKind,
    NumberInput,
    ParamValue,
    TextInput,
)
from ._pricing import Choice, Pricing
from ._text import LocalText

_MEDIA_NAMES = {
    MediaKind.IMAGE: LocalText("изображение", "image"),
    MediaKind.VIDEO: LocalText("видео", "video"),
    MediaKind.AUDIO: LocalText("аудио", "audio"),
    MediaKind.FILE: LocalText("файл", "file"),
    MediaKind.TEXT: LocalText("текст", "text"),
}


@dataclass(frozen=True, slots=True)
class InputProblem:
    """What is wrong with one value (`input` is the input's name; "" for the whole request).

    `code` is one of ``unknown``, ``missing``, ``type``, ``too_long``, ``too_short``,
    ``not_allowed``, ``range``, ``step``, ``count``, ``duration``, ``size``, ``combination``.
    """

    input: str
    code: str
    message: LocalText


def _problem(name: str, code: str, ru: str, en: str) -> InputProblem:
    return InputProblem(name, code, LocalText(ru, en))


def as_number(value: object) -> Fraction | None:
    """`value` as an exact Fraction, or None for anything that is not an exact number."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return Fraction(value)


def _check_text(spec: TextInput, value: object) -> InputProblem | None:
    label = spec.label
    if not isinstance(value, str):
        return _problem(
            spec.name, "type", f"«{label.ru}»: нужен текст", f"{label.en}: must be text"
        )
    if len(value) > spec.max_length:
        return _problem(
            spec.name,
            "too_long",
            f"«{label.ru}»: не длиннее {spec.max_length} символов (сейчас {len(value)})",
            f"{label.en}: at most {spec.max_length} characters (now {len(value)})",
        )
    if len(value.strip()) < max(spec.min_length, 1 if spec.required else 0):
        least = max(spec.min_length, 1)
        return _problem(
            spec.name,
            "too_short",
            f"«{label.ru}»: не короче {least} символов",
            f"{label.en}: at least {least} characters",
        )
    return None


def _check_enum(spec: EnumInput, value: object) -> InputProblem | None:
    if isinstance(value, str) and spec.option(value) is not None:
        return None
    ru = ", ".join(option.label.ru for option in spec.options)
    en = ", ".join(option.label.en for option in spec.options)
    return _problem(
        spec.name,
        "not_allowed",
        f"«{spec.label.ru}»: выберите один из вариантов: {ru}",
        f"{spec.label.en}: choose one of {en}",
    )


def _check_number(spec: NumberInput, value: object) -> InputProblem | None:
    label = spec.label
    number = as_number(value)
    if number is None:
        return _problem(
            spec.name, "type", f"«{label.ru}»: нужно число", f"{label.en}: must be a number"
        )
    low, high = format_exact(spec.minimum), format_exact(spec.maximum)
    if not spec.minimum <= number <= spec.maximum:
        return _problem(
            spec.name,
            "range",
            f"«{label.ru}»: от {low} до {high}",
            f"{label.en}: from {low} to {high}",
        )
    if spec.integer and number.denominator != 1:
        return _problem(
            spec.name,
            "step",
            f"«{label.ru}»: нужно целое число",
            f"{label.en}: must be a whole number",
        )
    if not spec.accepts(number):
        step = format_exact(spec.step or Fraction(1))
        return _problem(
            spec.name,
            "step",
            f"«{label.ru}»: с шагом {step}",  # noqa: RUF001
            f"{label.en}: in steps of {step}",
        )
    return None


def _check_boolean(spec: BooleanInput, value: object) -> InputProblem | None:
    if isinstance(value, bool):
        return None
    return _problem(
        spec.name, "type", f"«{spec.label.ru}»: да или нет", f"{spec.label.en}: yes or no"
    )


def _check_media(spec: MediaInput, value: object) -> InputProblem | None:
    label, kind = spec.label, _MEDIA_NAMES[spec.media]
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return _problem(
            spec.name, "type", f"«{label.ru}»: пришлите файл", f"{label.en}: send a file"
        )
    if not all(isinstance(item, Media) for item in value):
        return _problem(
            spec.name, "type", f"«{label.ru}»: пришлите файл", f"{label.en}: send a file"
        )
    if not spec.min_count <= len(value) <= spec.max_count:
        return _problem(
            spec.name,
            "count",
            f"«{label.ru}»: нужно от {spec.min_count} до {spec.max_count} ({kind.ru})",
            f"{label.en}: send {spec.min_count} to {spec.max_count} ({kind.en})",
        )
    limit = spec.max_duration_seconds
    too_long = [item for item in value if limit is not None and (item.seconds or 0) > limit]
    if limit is not None and too_long:
        seconds = format_exact(limit)
        return _problem(
            spec.name,
            "duration",
            f"«{label.ru}»: не длиннее {seconds} с",  # noqa: RUF001
            f"{label.en}: at most {seconds} s long",
        )
    big = spec.max_megapixels
    if big is not None and any((item.mp or 0) > big for item in value):
        size = format_exact(big)
        return _problem(
            spec.name,
            "size",
            f"«{label.ru}»: не больше {size} Мп",
            f"{label.en}: at most {size} megapixels",
        )
    return None


def check_value(spec: Input, value: object) -> InputProblem | None:
    """The problem with one given value, or None when `spec` accepts it."""
    if isinstance(spec, TextInput):
        return _check_text(spec, value)
    if isinstance(spec, EnumInput):
        return _check_enum(spec, value)
    if isinstance(spec, NumberInput):
        return _check_number(spec, value)
    if isinstance(spec, BooleanInput):
        return _check_boolean(spec, value)
    return _check_media(spec, value)


def effective_choices(
    inputs: Sequence[Input], params: Mapping[str, ParamValue]
) -> dict[str, Choice]:
    """The enum and boolean values in force: what the user chose, else the default."""
    choices: dict[str, Choice] = {}
    for spec in inputs:
        if isinstance(spec, EnumInput | BooleanInput):
            value = params.get(spec.name, spec.default)
            if isinstance(value, str | bool) and check_value(spec, value) is None:
                choices[spec.name] = value
    return choices


def check_params(
    inputs: Sequence[Input], params: Mapping[str, ParamValue], pricing: Pricing
) -> list[InputProblem]:
    """Every problem with `params`, in input order; empty when the request can be sent."""
    known = {spec.name for spec in inputs}
    problems = [
        _problem(name, "unknown", f"Неизвестный параметр «{name}»", f"Unknown parameter {name!r}")
        for name in params
        if name not in known
    ]
    for spec in inputs:
        if spec.name in params:
            problem = check_value(spec, params[spec.name])
        elif spec.asks_user:
            problem = _problem(
                spec.name,
                "missing",
                f"Нужно указать: {spec.label.ru}",
                f"{spec.label.en} is required",
            )
        else:
            problem = None
        if problem is not None:
            problems.append(problem)
    if not problems:
        reason = pricing.unavailable_reason(effective_choices(inputs, params))
        if reason is not None:
            problems.append(InputProblem("", "combination", reason))
    return problems
