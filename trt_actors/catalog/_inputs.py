"""What a model asks of the user: its inputs, in wizard order, with their constraints.

Every input says what to ask (`label`), its type, whether it is required, its default, and
the name of the field it fills in the KIE request (`field`). A wizard can be generated from
`Model.inputs` alone: ask each required input without a default, offer the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from ._exact import Exact, exact
from ._text import LocalText


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
