"""The Bot API specification (Bot API 10.1, shipped as package data) in typed form.

`ApiSpec.load()` reads `spec/telegram-bot-api.json` once per process. Method names are
looked up case-insensitively, as Telegram does. Abstract types (`InputMedia`,
`BotCommandScope`, `ChatMember`, ...) list their subtypes; a subtype whose first field says
"must be X" or "always "X"" gets that field as its discriminator.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

SPEC_PACKAGE = "trt_actors.emulators.telegram"
SPEC_FILE = "spec/telegram-bot-api.json"
PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean"})

_DISCRIMINATOR = re.compile(r"(?:must be|always) [\"“]?([a-z_]+)[\"”]?")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method or field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Bot API method."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """One Bot API type. `fields` is None for types described only in prose (InputFile)."""

    name: str
    fields: dict[str, FieldSpec] | None
    subtypes: tuple[str, ...]
    discriminator: tuple[str, str] | None


def _fields(raw: list[dict[str, Any]] | None) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]), f["description"])
        for f in raw or []
    }


def _discriminator(fields: dict[str, FieldSpec]) -> tuple[str, str] | None:
    for name in ("type", "status", "source"):
        spec = fields.get(name)
        if spec is None:
            continue
        found = _DISCRIMINATOR.search(spec.description)
        if found:
            return name, found.group(1)
    return None


class ApiSpec:
    """Methods and types of the Bot API, with lookups used by the validator."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(name, _fields(m.get("fields")), tuple(m.get("returns", ())))
            for name, m in raw["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {}
        for name, t in raw["types"].items():
            fields = _fields(t.get("fields")) if "fields" in t else None
            self.types[name] = TypeSpec(
                name=name,
                fields=fields,
                subtypes=tuple(t.get("subtypes", ())),
                discriminator=_discriminator(fields) if fields else None,
            )
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls) -> ApiSpec:
        """The shipped spec, parsed once per process."""
        return _load_shipped()

    def method(self, name: str) -> MethodSpec | None:
        """The method called `name`, matched case-insensitively; None when unknown."""
        canonical = self._by_lower.get(name.lower())
        return self.methods[canonical] if canonical else None


@cache
def _load_shipped() -> ApiSpec:
    text = resources.files(SPEC_PACKAGE).joinpath(SPEC_FILE).read_text(encoding="utf-8")
    return ApiSpec(json.loads(text))
