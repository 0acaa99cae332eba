"""What a model asks of the user, and checking what the user gave, in words fit for the user.

Every input says what to ask (`label`), its type, whether it is required, its default, and
the name of the field it fills in the KIE request (`field`). A wizard can be generated from
`Model.inputs` alone: ask each required input without a default, offer the others.
`check_value` says what is wrong with one value (an `InputProblem`, worded in both languages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from .values import Exact, LocalText, exact, format_exact


class MediaKind(StrEnum):
    """The kind of a file a user sends, or a model produces."""

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    FILE = "file"
    TEXT = "text"  # outputs only: a transcript


class SendAs(StrEnum):
    """The JSON type an enum value takes in the KIE request (values are strings here)."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class Media:
    """One file the user sent, as far as validation and pricing need to know it.

    `duration_seconds` is known for audio and video (Telegram reports it); `megapixels` for
    images. Both are exact (int, Decimal or Fraction).
    """

    duration_seconds: Exact | None = None
    megapixels: Exact | None = None

    def __post_init__(self) -> None:
        for name in ("duration_seconds", "megapixels"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, exact(value))

    @property
    def seconds(self) -> Fraction | None:
        """The duration as an exact Fraction (None when unknown)."""
        return None if self.duration_seconds is None else Fraction(self.duration_seconds)

    @property
    def mp(self) -> Fraction | None:
        """The size in megapixels as an exact Fraction (None when unknown)."""
        return None if self.megapixels is None else Fraction(self.megapixels)


@dataclass(frozen=True, slots=True)
class EnumOption:
    """One value of an enum input: the value sent to KIE and the label on its button."""

    value: str
    label: LocalText


@dataclass(frozen=True, slots=True, kw_only=True)
class InputBase:
    """What every input has. `field` is the key it fills in the KIE request body."""

    name: str
    label: LocalText
    field: str
    required: bool = False
    hint: LocalText | None = None

    @property
    def asks_user(self) -> bool:
        """True when the wizard must ask for it: required and without a default."""
        return self.required and getattr(self, "default", None) is None


@dataclass(frozen=True, slots=True, kw_only=True)
class TextInput(InputBase):
    """Free text (a prompt, a negative prompt, the text to speak)."""

    min_length: int = 0
    max_length: int
    default: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnumInput(InputBase):
    """One choice among `options` (shown as buttons)."""

    options: tuple[EnumOption, ...]
    default: str | None = None
    send_as: SendAs = SendAs.STRING

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    def option(self, value: str) -> EnumOption | None:
        return next((option for option in self.options if option.value == value), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberInput(InputBase):
    """A number between `minimum` and `maximum`, on multiples of `step` from `minimum`."""

    minimum: Fraction
    maximum: Fraction
    step: Fraction | None = None
    integer: bool = False
    default: Fraction | None = None

    def accepts(self, value: Fraction) -> bool:
        """True when `value` is in range, on a step, and whole if the input is an integer."""
        if not self.minimum <= value <= self.maximum:
            return False
        if self.integer and value.denominator != 1:
            return False
        return self.step is None or (value - self.minimum) % self.step == 0


@dataclass(frozen=True, slots=True, kw_only=True)
class BooleanInput(InputBase):
    """Yes or no (a switch)."""

    default: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaInput(InputBase):
    """Files the user sends: `min_count` to `max_count` of one `media` kind.

    `as_list` says whether KIE takes a JSON array of URLs or one URL string.
    `max_duration_seconds` and `max_megapixels` bound each file where the price depends on
    its length or size.
    """

    media: MediaKind
    min_count: int
    max_count: int
    as_list: bool
    max_duration_seconds: Fraction | None = None
    max_megapixels: Fraction | None = None
    default: None = field(default=None, init=False)


Input = TextInput | EnumInput | NumberInput | BooleanInput | MediaInput
"""Every kind of input."""

ParamValue = str | bool | int | Decimal | Fraction | Sequence[Media]
"""A value a user gave: text or enum value (str), boolean, number, or a list of media."""

Choice = str | bool
"""The value of an enum (str) or boolean (bool) input, as SKUs match on it."""


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
