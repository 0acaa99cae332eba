"""Turning the raw inputs of a model into checked `Input` values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import TypedDict

from ._inputs import (
    BooleanInput,
    EnumInput,
    EnumOption,
    Input,
    MediaInput,
    MediaKind,
    NumberInput,
    SendAs,
    TextInput,
)
from ._problems import Problems
from ._raw import RawInput, RawText
from ._text import LocalText

_ONLY_FOR = {
    "min_length": {"text"},
    "max_length": {"text"},
    "values": {"enum"},
    "send_as": {"enum"},
    "min": {"number", "integer"},
    "max": {"number", "integer"},
    "step": {"number", "integer"},
    "media": {"media"},
    "min_count": {"media"},
    "max_count": {"media"},
    "as_list": {"media"},
    "max_duration_seconds": {"media"},
    "max_megapixels": {"media"},
}


class _Common(TypedDict):
    name: str
    label: LocalText
    field: str
    hint: LocalText | None


def text_of(raw: RawText) -> LocalText:
    return LocalText(ru=raw.ru, en=raw.en)


class InputBuilder:
    """Builds inputs with the catalog's shared labels (`input_labels`, `value_labels`)."""

    def __init__(self, input_labels: Mapping[str, RawText], value_labels: Mapping[str, RawText]):
        self._input_labels = input_labels
        self._value_labels = value_labels

    def build(self, raw: RawInput, problems: Problems) -> Input | None:
        """The input, or None after recording every problem with it."""
        for name, types in _ONLY_FOR.items():
            if getattr(raw, name) is not None and raw.type not in types:
                problems.at(name).add(f"only {'/'.join(sorted(types))} inputs take {name!r}")
        label_raw = raw.label or self._input_labels.get(raw.name)
        if label_raw is None:
            problems.at("label").add(f"no label for input {raw.name!r} (and none in input_labels)")
            return None
        common: _Common = {
            "name": raw.name,
            "label": text_of(label_raw),
            "field": raw.field or raw.name,
            "hint": text_of(raw.hint) if raw.hint else None,
        }
        if raw.type == "text":
            return self._text(raw, common, problems)
        if raw.type == "enum":
            return self._enum(raw, common, problems)
        if raw.type in ("number", "integer"):
            return self._number(raw, common, problems)
        if raw.type == "boolean":
            return self._boolean(raw, common, problems)
        return self._media(raw, common, problems)

    def _text(self, raw: RawInput, common: _Common, problems: Problems) -> Input | None:
        if raw.max_length is None or raw.max_length <= 0:
            problems.at("max_length").add("a text input needs a positive max_length")
            return None
        low = raw.min_length or 0
        if not 0 <= low <= raw.max_length:
            problems.at("min_length").add(f"must be between 0 and max_length ({raw.max_length})")
        if raw.default is not None and (
            not isinstance(raw.default, str) or len(raw.default) > raw.max_length
        ):
            problems.at("default").add("the default must be a text within max_length")
        return TextInput(
            **common,
            required=bool(raw.required),
            min_length=low,
            max_length=raw.max_length,
            default=raw.default,
        )

    def _enum(self, raw: RawInput, common: _Common, problems: Problems) -> Input | None:
        if not raw.values:
            problems.at("values").add("an enum input needs at least one value")
            return None
        options: list[EnumOption] = []
        for index, entry in enumerate(raw.values):
            if not isinstance(entry.value, str):
                problems.at(f"values[{index}]").add(
                    f"enum values are strings: write '{entry.value}' in quotes"
                    + (
                        " (use send_as to send a number)"
                        if isinstance(entry.value, int | float)
                        else ""
                    )
                )
                continue
            label = entry.label or self._value_labels.get(entry.value)
            options.append(
                EnumOption(entry.value, text_of(label) if label else LocalText.same(entry.value))
            )
        values = [option.value for option in options]
        if len(set(values)) != len(values):
            problems.at("values").add(f"duplicate values in {values}")
        if raw.default is not None and raw.default not in values:
            problems.at("default").add(f"default {raw.default!r} is not one of the values {values}")
        if raw.send_as in ("integer", "number"):
            for value in values:
                try:
                    Fraction(value)
                except ValueError:
                    problems.at("send_as").add(f"value {value!r} cannot be sent as a number")
        return EnumInput(
            **common,
            required=bool(raw.required),
            options=tuple(options),
            default=raw.default if isinstance(raw.default, str) else None,
            send_as=SendAs(raw.send_as or "string"),
        )

    def _number(self, raw: RawInput, common: _Common, problems: Problems) -> Input | None:
        low = problems.at("min").exact(raw.min, signed=True) if raw.min is not None else None
        high = problems.at("max").exact(raw.max, signed=True) if raw.max is not None else None
        if low is None or high is None:
            if raw.min is None or raw.max is None:
                problems.add("a number input needs min and max")
            return None
        if low >= high:
            problems.at("max").add(f"max ({raw.max}) must be above min ({raw.min})")
        step = problems.at("step").exact(raw.step, positive=True) if raw.step is not None else None
        integer = raw.type == "integer"
        spec = NumberInput(
            **common,
            required=bool(raw.required),
            minimum=low,
            maximum=high,
            step=step if step is not None else (Fraction(1) if integer else None),
            integer=integer,
        )
        if raw.default is not None:
            default = problems.at("default").exact(raw.default, signed=True)
            if default is not None and not spec.accepts(default):
                problems.at("default").add(
                    f"default {raw.default} is outside {raw.min}..{raw.max} or off-step"
                )
            return replace(spec, default=default)
        return spec

    def _boolean(self, raw: RawInput, common: _Common, problems: Problems) -> Input | None:
        if raw.default is not None and not isinstance(raw.default, bool):
            problems.at("default").add(f"default {raw.default!r} is not true or false")
            return None
        return BooleanInput(**common, required=bool(raw.required), default=raw.default)

    def _media(self, raw: RawInput, common: _Common, problems: Problems) -> Input | None:
        if raw.media is None or raw.max_count is None:
            problems.add("a media input needs media and max_count")
            return None
        low = raw.min_count if raw.min_count is not None else 1
        if not 0 <= low <= raw.max_count or raw.max_count < 1:
            problems.at("max_count").add(
                f"need 0 ≤ min_count ({low}) ≤ max_count ({raw.max_count}), max ≥ 1"
            )
        if raw.required is not None and raw.required != (low > 0):
            problems.at("required").add("a media input is required exactly when min_count > 0")
        as_list = raw.as_list if raw.as_list is not None else raw.max_count > 1
        if raw.max_count > 1 and not as_list:
            problems.at("as_list").add("several files must be sent as a list")
        seconds = raw.max_duration_seconds
        megapixels = raw.max_megapixels
        return MediaInput(
            **common,
            required=low > 0,
            media=MediaKind(raw.media),
            min_count=low,
            max_count=raw.max_count,
            as_list=as_list,
            max_duration_seconds=problems.at("max_duration_seconds").exact(seconds, positive=True)
            if seconds is not None
            else None,
            max_megapixels=problems.at("max_megapixels").exact(megapixels, positive=True)
            if megapixels is not None
            else None,
        )
