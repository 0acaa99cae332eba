"""Validation of Bot API calls and objects against the spec (types, required, unknown).

`Validator.check_call` checks the parameters of one call and converts them to Python
values (int, float, bool, str, dict/list for JSON-serialized objects, `UploadedFile`);
`Validator.check_object` checks a JSON value against a type (also used to self-check the
updates the emulator produces). Neither raises on bad input: they return `Problem`s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from trt_actors.emulators.telegram._multipart import UploadedFile
from trt_actors.emulators.telegram._spec import ApiSpec, MethodSpec, TypeSpec

ARRAY = "Array of "
ATTACH = "attach://"
_INTEGER = re.compile(r"-?\d+")
_FORM_ORDER = {"Integer": 0, "Float": 1, "Boolean": 2}
_SHAPE = frozenset({"unknown_field", "missing_field", "invalid_value"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One way a call breaks the spec. `kind` is one of: unknown_method, unknown_parameter,
    missing_parameter, wrong_type, unknown_field, missing_field, invalid_value, too_long,
    bad_entities, bad_body."""

    kind: str
    path: str
    detail: str

    @property
    def description(self) -> str:
        """The Telegram-style error text: "Bad Request: ..."."""
        return f"Bad Request: {self.detail}"


def _is_complex(type_name: str) -> bool:
    return type_name.startswith(ARRAY) or type_name not in {
        "Integer",
        "Float",
        "Boolean",
        "String",
        "InputFile",
    }


def _score(problems: list[Problem], path: str) -> tuple[int, int, int]:
    here = sum(1 for p in problems if p.kind == "wrong_type" and p.path == path)
    shape = sum(1 for p in problems if p.kind in _SHAPE and p.path.rpartition(".")[0] == path)
    return here, shape, len(problems)


class Validator:
    """Checks values against the types of one `ApiSpec`."""

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec

    def check_call(
        self,
        method: MethodSpec,
        params: Mapping[str, Any],
        uploads: Mapping[str, UploadedFile],
        *,
        json_keys: Collection[str] = (),
    ) -> tuple[dict[str, Any], list[Problem]]:
        """Check `params` of one call; return converted arguments and problems.

        Values of `json_keys` came in a JSON body and are checked as JSON values; the
        others arrived as strings (query, urlencoded, multipart) and are converted by the
        declared type, as Telegram does.
        """
        args: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, value in params.items():
            field = method.fields.get(name)
            if field is None and isinstance(value, UploadedFile):
                continue  # a file part referenced as attach://<name> from another parameter
            if field is None:
                problems.append(Problem("unknown_parameter", name, f'unknown parameter "{name}"'))
                continue
            form = name not in json_keys
            converted, found = self._param(value, field.types, name, uploads, form=form)
            problems.extend(found)
            if not found:
                args[name] = converted
        for field in method.fields.values():
            if field.required and field.name not in params:
                problems.append(
                    Problem(
                        "missing_parameter", field.name, f'parameter "{field.name}" is required'
                    )
                )
        return args, problems

    def check_object(self, type_name: str, value: Any, path: str = "") -> list[Problem]:
        """Check a JSON value against a spec type (or "Array of ..."); [] when it conforms."""
        return self._check(value, (type_name,), path or type_name)

    def _param(
        self,
        value: Any,
        types: tuple[str, ...],
        name: str,
        uploads: Mapping[str, UploadedFile],
        *,
        form: bool,
    ) -> tuple[Any, list[Problem]]:
        if isinstance(value, UploadedFile) or (
            isinstance(value, str) and value.startswith(ATTACH) and "InputFile" in types
        ):
            return _file_param(value, types, name, uploads)
        if form:
            return self._from_form(value, types, name)
        if isinstance(value, str) and "String" not in types and any(map(_is_complex, types)):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return None, [Problem("wrong_type", name, f"can't parse {name} JSON object")]
        return value, self._check(value, types, name)

    def _from_form(
        self, value: Any, types: tuple[str, ...], name: str
    ) -> tuple[Any, list[Problem]]:
        text = str(value)
        for type_name in sorted(types, key=lambda t: _FORM_ORDER.get(t, 9)):
            if type_name == "Integer" and _INTEGER.fullmatch(text):
                return int(text), []
            if type_name == "Float":
                try:
                    return float(text), []
                except ValueError:
                    continue
            if type_name == "Boolean" and text.lower() in ("true", "false", "1", "0"):
                return text.lower() in ("true", "1"), []
        complex_types = tuple(t for t in types if _is_complex(t))
        problems: list[Problem] = []
        if complex_types:
            try:
                decoded = json.loads(text)
            except json.JSONDecodeError:
                problems = [Problem("wrong_type", name, f"can't parse {name} JSON object")]
            else:
                problems = self._check(decoded, complex_types, name)
                if not problems:
                    return decoded, []
        if "String" in types:
            return text, []
        if not problems:
            problems = [_wrong(name, types, text)]
        return None, problems

    def _check(self, value: Any, types: tuple[str, ...], path: str) -> list[Problem]:
        if len(types) == 1:
            return self._check_one(value, types[0], path)
        if isinstance(value, list) and all(t.startswith(ARRAY) for t in types):
            # "Array of A or Array of B": Telegram accepts mixed items (photo and video).
            inner = tuple(t[len(ARRAY) :] for t in types)
            return [
                p for i, item in enumerate(value) for p in self._check(item, inner, f"{path}[{i}]")
            ]
        picked = self._by_discriminator(value, types, path)
        if picked is not None:
            return picked
        best: list[Problem] | None = None
        for type_name in types:
            problems = self._check_one(value, type_name, path)
            if not problems:
                return []
            if best is None or _score(problems, path) < _score(best, path):
                best = problems
        if best and len(best) == 1 and best[0].kind == "wrong_type" and best[0].path == path:
            return [_wrong(path, types, value)]
        return best or []

    def _check_one(self, value: Any, type_name: str, path: str) -> list[Problem]:
        if type_name.startswith(ARRAY):
            if not isinstance(value, list):
                return [_wrong(path, (type_name,), value)]
            inner = (type_name[len(ARRAY) :],)
            return [
                p for i, item in enumerate(value) for p in self._check(item, inner, f"{path}[{i}]")
            ]
        if type_name in ("Integer", "Float", "Boolean", "String", "InputFile"):
            return [] if _primitive_ok(value, type_name) else [_wrong(path, (type_name,), value)]
        spec = self.spec.types.get(type_name)
        if spec is None:
            return []
        if spec.subtypes:
            return self._check_abstract(value, spec, path)
        return self._check_fields(value, spec, path)

    def _check_abstract(self, value: Any, spec: TypeSpec, path: str) -> list[Problem]:
        picked = self._by_discriminator(value, spec.subtypes, path)
        if picked is not None:
            return picked
        return self._check(value, spec.subtypes, path)

    def _by_discriminator(
        self, value: Any, type_names: tuple[str, ...], path: str
    ) -> list[Problem] | None:
        """Check a dict against the one type its discriminator names; None if not keyed."""
        specs = [self.spec.types.get(name) for name in type_names]
        keyed = [t for t in specs if t is not None and t.discriminator]
        if not isinstance(value, dict) or not keyed or len(keyed) != len(specs):
            return None
        for sub in keyed:
            key, expected = sub.discriminator or ("", "")
            if value.get(key) == expected:
                return self._check_fields(value, sub, path)
        key = (keyed[0].discriminator or ("type", ""))[0]
        shown = json.dumps(value.get(key))
        return [Problem("invalid_value", f"{path}.{key}", f"{path}: unsupported {key} {shown}")]

    def _check_fields(self, value: Any, spec: TypeSpec, path: str) -> list[Problem]:
        if not isinstance(value, dict):
            return [_wrong(path, (spec.name,), value)]
        fields = spec.fields or {}
        if not fields:
            return []
        problems: list[Problem] = []
        for key, item in value.items():
            field = fields.get(key)
            if field is None:
                problems.append(
                    Problem("unknown_field", f"{path}.{key}", f'{path}: unknown field "{key}"')
                )
            else:
                problems.extend(self._check(item, field.types, f"{path}.{key}"))
        for field in fields.values():
            if field.required and field.name not in value:
                problems.append(
                    Problem(
                        "missing_field",
                        f"{path}.{field.name}",
                        f'{path}: field "{field.name}" is required',
                    )
                )
        if spec.discriminator:
            key, expected = spec.discriminator
            if key in value and value[key] != expected:
                problems.append(
                    Problem("invalid_value", f"{path}.{key}", f'{path}: {key} must be "{expected}"')
                )
        return problems


def _file_param(
    value: UploadedFile | str,
    types: tuple[str, ...],
    name: str,
    uploads: Mapping[str, UploadedFile],
) -> tuple[Any, list[Problem]]:
    if isinstance(value, UploadedFile):
        if "InputFile" in types:
            return value, []
        return None, [Problem("wrong_type", name, f'parameter "{name}" can\'t be a file')]
    upload = uploads.get(value[len(ATTACH) :])
    if upload is None:
        return None, [Problem("invalid_value", name, f'attached file of "{name}" not found')]
    return upload, []


def _primitive_ok(value: Any, type_name: str) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    return isinstance(value, UploadedFile)


def _wrong(path: str, types: tuple[str, ...], value: Any) -> Problem:
    shown = "a file" if isinstance(value, UploadedFile) else json.dumps(value, default=repr)[:40]
    return Problem("wrong_type", path, f"{path} must be {' or '.join(types)}, got {shown}")
