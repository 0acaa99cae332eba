"""Reading the catalog files once, at start, into a checked `Catalog` (the only I/O here).

Layout: ``<root>/catalog.yaml`` (global facts) and ``<root>/models/*.yaml`` (one file per
kind). The default root is the ``catalog/`` folder at the repository root, found from this
package; the environment variable ``TRT_CATALOG_DIR`` overrides it.

The files are parsed into their shape (`file_schema`), then every part is given its meaning
and checked: inputs, pricing, the route, the visibility. Pricing is proved to cover every
combination: for the product of the values of every input that chooses a SKU, each
combination must match exactly one SKU, or at least one `unavailable` rule (and not both), so
`price` never meets a combination the catalog did not decide on. Every problem is collected,
each naming the file, the model id and the field, and reported together in one `CatalogError`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, TypedDict

import yaml
from pydantic import ValidationError

from .file_schema import (
    RawApi,
    RawCatalog,
    RawInput,
    RawModel,
    RawModelFile,
    RawPricing,
    RawQuantity,
    RawText,
    RawVisibility,
)
from .inputs import (
    BooleanInput,
    Choice,
    EnumInput,
    EnumOption,
    Input,
    MediaInput,
    MediaKind,
    NumberInput,
    SendAs,
    TextInput,
)
from .kie_request import Api, BodyStyle, Endpoint, Route
from .models import Catalog, Kind, Model, Visibility
from .pricing import Pricing, Quantity, QuantitySource, Sku, UnavailableRule
from .values import LocalText, exact

CATALOG_DIR_ENV = "TRT_CATALOG_DIR"


def default_catalog_path() -> Path:
    """``$TRT_CATALOG_DIR`` if set, else the repository's ``catalog/`` next to the package."""
    override = os.environ.get(CATALOG_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "catalog"


# -- problems ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogProblem:
    """One problem in the catalog files.

    `where` names the file, the model id and the field path
    (``models/text_to_video.yaml: model 'kling-2-6-t2v': pricing.skus[2].when.sound``).
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class CatalogError(Exception):
    """The catalog cannot be used; `problems` lists every problem found, not only the first."""

    def __init__(self, problems: Iterable[CatalogProblem]) -> None:
        self.problems: tuple[CatalogProblem, ...] = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"the model catalog has {len(self.problems)} problem(s):\n{lines}")


@dataclass
class Problems:
    """A list of problems; `at(path)` gives a child that prefixes its field path."""

    where: str
    found: list[CatalogProblem] = field(default_factory=list)
    path: str = ""

    def at(self, path: str) -> Problems:
        joined = (
            f"{self.path}.{path}" if self.path and not path.startswith("[") else self.path + path
        )
        return Problems(self.where, self.found, joined)

    def add(self, message: str) -> None:
        where = f"{self.where}: {self.path}" if self.path else self.where
        self.found.append(CatalogProblem(where, message))

    def exact(
        self, value: Any, *, money: bool = False, positive: bool = False, signed: bool = False
    ) -> Fraction | None:
        """`value` as a Fraction, or None after recording why it is not one.

        Money (`money=True`) must be an integer or a quoted decimal: a YAML float is an error.
        """
        try:
            number = exact(value, allow_float_text=not money)
        except TypeError as error:
            if money and isinstance(value, float):
                self.add(
                    f"money must be an integer or a quoted decimal, not the float {value!r}: "
                    f'write "{value}"'
                )
            else:
                self.add(str(error))
            return None
        except ValueError as error:
            self.add(str(error))
            return None
        if (number < 0 and not signed) or (positive and number <= 0):
            self.add(f"must be {'positive' if positive else 'zero or more'}, not {value}")
            return None
        return number


# -- inputs --------------------------------------------------------------------------------


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


# -- pricing and its coverage --------------------------------------------------------------


MAX_COMBINATIONS = 20_000


def _when(
    raw: Mapping[str, Any], specs: Mapping[str, Input], problems: Problems
) -> dict[str, Choice] | None:
    when: dict[str, Choice] = {}
    for name, value in raw.items():
        spec, here = specs.get(name), problems.at(name)
        if spec is None:
            here.add(f"refers to unknown input {name!r}")
        elif isinstance(spec, EnumInput):
            if isinstance(value, str) and value in spec.values:
                when[name] = value
            else:
                here.add(
                    f"{value!r} is not one of {list(spec.values)}"
                    + (" (quote it)" if not isinstance(value, str) else "")
                )
        elif isinstance(spec, BooleanInput):
            if isinstance(value, bool):
                when[name] = value
            else:
                here.add(f"{value!r} is not true or false")
        else:
            here.add(f"input {name!r} is not an enum or boolean, so it cannot choose a price")
    return when if len(when) == len(raw) else None


def _quantity(raw: RawQuantity | None, specs: Mapping[str, Input], problems: Problems) -> Quantity:
    if raw is None:
        return Quantity()
    per = (
        problems.at("per").exact(raw.per, money=True, positive=True)
        if raw.per is not None
        else Fraction(1)
    )
    if raw.fixed is not None:
        fixed = problems.at("fixed").exact(raw.fixed, money=True, positive=True)
        return Quantity(QuantitySource.FIXED, fixed=fixed)
    spec = specs.get(raw.input or "")
    if spec is None:
        problems.at("input").add(f"refers to unknown input {raw.input!r}")
        return Quantity()
    source = _source(raw, spec, problems)
    mapping = None
    if raw.map is not None:
        mapping = {
            key: problems.at(f"map.{key}").exact(value, money=True, positive=True)
            for key, value in raw.map.items()
        }
        if not isinstance(spec, EnumInput) or set(mapping) != set(spec.values):
            problems.at("map").add("map must give an amount for every value of an enum input")
    elif isinstance(spec, EnumInput):
        for value in spec.values:
            try:
                Fraction(value)
            except ValueError:
                problems.at("input").add(
                    f"value {value!r} of {spec.name!r} is not a number: add a map"
                )
    return Quantity(source, spec.name, per or Fraction(1), None, mapping)  # type: ignore[arg-type]


def _source(raw: RawQuantity, spec: Input, problems: Problems) -> QuantitySource:
    expected: dict[str, tuple[type, ...]] = {
        "value": (EnumInput, NumberInput),
        "text_length": (TextInput,),
        "seconds": (MediaInput,),
        "megapixels": (MediaInput,),
    }
    measure = raw.measure or ("text_length" if isinstance(spec, TextInput) else "value")
    if not isinstance(spec, expected[measure]):
        problems.at("measure").add(f"{measure!r} does not fit {type(spec).__name__} {spec.name!r}")
    if isinstance(spec, MediaInput):
        if measure == "seconds" and (
            spec.media not in (MediaKind.AUDIO, MediaKind.VIDEO)
            or spec.max_duration_seconds is None
        ):
            problems.at("measure").add(
                "seconds need an audio or video input with max_duration_seconds"
            )
        if measure == "megapixels" and (
            spec.media is not MediaKind.IMAGE or spec.max_megapixels is None
        ):
            problems.at("measure").add("megapixels need an image input with max_megapixels")
    return {
        "value": QuantitySource.VALUE,
        "text_length": QuantitySource.TEXT_LENGTH,
        "seconds": QuantitySource.MEDIA_SECONDS,
        "megapixels": QuantitySource.MEDIA_MEGAPIXELS,
    }[measure]


def build_pricing(
    raw: RawPricing, inputs: Sequence[Input], units: set[str], problems: Problems
) -> Pricing:
    """The model's pricing; every problem (unknown unit or input, float money…) is recorded."""
    specs = {spec.name: spec for spec in inputs}
    if raw.unit not in units:
        problems.at("unit").add(f"unknown unit {raw.unit!r} (known: {', '.join(sorted(units))})")
    quantity = _quantity(raw.quantity, specs, problems.at("quantity"))
    skus: list[Sku] = []
    for index, entry in enumerate(raw.skus):
        here = problems.at(f"skus[{index}]")
        credits = here.at("credits").exact(entry.credits, money=True)
        when = _when(entry.when, specs, here.at("when"))
        if credits is not None and when is not None:
            skus.append(Sku(entry.id, credits, when, entry.free, entry.note))
    ids = [sku.id for sku in raw.skus]
    for duplicate in sorted({sku_id for sku_id in ids if ids.count(sku_id) > 1}):
        problems.at("skus").add(f"duplicate SKU id {duplicate!r}")
    rules: list[UnavailableRule] = []
    for index, rule in enumerate(raw.unavailable):
        when = _when(rule.when, specs, problems.at(f"unavailable[{index}].when"))
        if when is not None:
            rules.append(UnavailableRule(when, text_of(rule.reason)))
    pricing = Pricing(raw.unit, quantity, tuple(skus), tuple(rules))
    if len(skus) == len(raw.skus) and len(rules) == len(raw.unavailable):
        check_coverage(pricing, specs, problems)
    return pricing


def _domain(spec: Input) -> list[Choice]:
    if isinstance(spec, BooleanInput):
        return [False, True]
    assert isinstance(spec, EnumInput)
    return list(spec.values)


def check_coverage(pricing: Pricing, specs: Mapping[str, Input], problems: Problems) -> None:
    """Record every combination of SKU-choosing values with no SKU, two SKUs, or a clash."""
    names = pricing.selector_inputs
    for name in names:
        spec = specs[name]
        if not spec.required and getattr(spec, "default", None) is None:
            problems.at(f"inputs.{name}").add(
                "chooses a price, so it must be required or have a default"
            )
    domains = [_domain(specs[name]) for name in names]
    size = 1
    for domain in domains:
        size *= len(domain)
    if size > MAX_COMBINATIONS:
        problems.add(f"{size} price combinations: too many to check (max {MAX_COMBINATIONS})")
        return
    for values in itertools.product(*domains):
        choices = dict(zip(names, values, strict=True))
        shown = (
            ", ".join(f"{name}={value}" for name, value in choices.items()) or "the default request"
        )
        matching = pricing.skus_for(choices)
        blocked = pricing.unavailable_reason(choices) is not None
        if len(matching) > 1:
            problems.at("skus").add(f"SKUs {[sku.id for sku in matching]} all match {shown}")
        elif matching and blocked:
            problems.at("unavailable").add(
                f"{shown} is both priced (SKU {matching[0].id!r}) and unavailable"
            )
        elif not matching and not blocked:
            problems.at("skus").add(f"no SKU and no unavailable rule for {shown}")


# -- a model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelContext:
    """What a model is checked against: the catalog's kinds, units, APIs and shared labels."""

    kinds: set[str]
    units: set[str]
    apis: Mapping[str, Api]
    inputs: InputBuilder
    credit_usd: Fraction


def report_validation(error: ValidationError, problems: Problems) -> None:
    """Record pydantic's errors, each at its field path."""
    for item in error.errors():
        path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in item["loc"])
        problems.at(path.lstrip(".")).add(item["msg"])


def _route(raw: RawModel, apis: Mapping[str, Api], problems: Problems) -> Route | None:
    api = apis.get(raw.route.api)
    if api is None:
        problems.at("route.api").add(
            f"unknown API {raw.route.api!r} (known: {', '.join(sorted(apis))})"
        )
        return None
    if api.body is BodyStyle.MARKET and not raw.route.model:
        problems.at("route.model").add("a market model needs its KIE model id")
    if api.body is BodyStyle.FLAT and bool(raw.route.model) != bool(api.model_field):
        wanted = f"the value of {api.model_field!r}" if api.model_field else "no model id"
        problems.at("route.model").add(f"API {api.id!r} takes {wanted}")
    return Route(api, raw.route.model)


def _inputs(raw: RawModel, builder: InputBuilder, problems: Problems) -> tuple[Input, ...]:
    built: list[Input] = []
    for index, entry in enumerate(raw.inputs):
        spec = builder.build(entry, problems.at(f"inputs[{index}]"))
        if spec is not None:
            built.append(spec)
    for attribute in ("name", "field"):
        seen = [getattr(spec, attribute) for spec in built]
        for duplicate in sorted({value for value in seen if seen.count(value) > 1}):
            problems.at("inputs").add(f"two inputs have the {attribute} {duplicate!r}")
    clash = sorted(set(raw.constants) & {spec.field for spec in built})
    if clash:
        problems.at("constants").add(f"also filled by inputs: {clash}")
    return tuple(built)


def _visibility(raw: RawModel, problems: Problems) -> tuple[Visibility, Any]:
    if isinstance(raw.visibility, RawVisibility):
        state, reason = Visibility(raw.visibility.state), raw.visibility.reason
    else:
        state, reason = Visibility(raw.visibility), None
    if state is not Visibility.VISIBLE and reason is None:
        problems.at("visibility.reason").add(f"a {state.value} model needs a reason (ru and en)")
    return state, text_of(reason) if reason else None


def build_model(
    data: Any, file_kind: str, context: ModelContext, problems: Problems
) -> Model | None:
    """The model, or None after recording every problem with it."""
    try:
        raw = RawModel.model_validate(data)
    except ValidationError as error:
        report_validation(error, problems)
        return None
    if raw.kind not in context.kinds:
        problems.at("kind").add(
            f"unknown kind {raw.kind!r} (known: {', '.join(sorted(context.kinds))})"
        )
    elif raw.kind != file_kind:
        problems.at("kind").add(f"is {raw.kind!r} but the model is filed under {file_kind!r}")
    route = _route(raw, context.apis, problems)
    inputs = _inputs(raw, context.inputs, problems)
    pricing = build_pricing(raw.pricing, inputs, context.units, problems.at("pricing"))
    visibility, reason = _visibility(raw, problems)
    if route is None:
        return None
    return Model(
        id=raw.id,
        name=raw.name,
        provider=raw.provider,
        kind=raw.kind,
        description=text_of(raw.description),
        output=MediaKind(raw.output),
        route=route,
        constants=dict(raw.constants),
        inputs=inputs,
        pricing=pricing,
        visibility=visibility,
        visibility_reason=reason,
        credit_usd=context.credit_usd,
    )


# -- reading the files ---------------------------------------------------------------------


# libyaml's parser when PyYAML was built with it (the usual wheels are): the catalog's files
# parse about ten times faster than with the pure-Python one, which dominated start-up
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A YAML loader that refuses a mapping with the same key twice (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges; explicit keys may override merged ones
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _read_yaml(path: Path, where: str, problems: list[CatalogProblem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except OSError as error:
        problems.append(CatalogProblem(where, f"cannot read: {error.strerror or error}"))
    except yaml.YAMLError as error:
        problems.append(CatalogProblem(where, f"not valid YAML: {' '.join(str(error).split())}"))
    return None


def _api(api_id: str, raw: RawApi) -> Api:
    return Api(
        id=api_id,
        name=raw.name,
        body=BodyStyle(raw.body),
        submit=Endpoint(raw.submit.method, raw.submit.path),
        status=Endpoint(raw.status.method, raw.status.path),
        task_id_param=raw.task_id_param,
        model_field=raw.model_field,
        state_field=raw.state_field,
        success_states=tuple(raw.success_states),
        failure_states=tuple(raw.failure_states),
        result_field=raw.result_field,
        callback_required=raw.callback_required,
    )


def _globals(raw: RawCatalog, problems: Problems) -> tuple[Fraction, Fraction, Fraction]:
    credit = problems.at("credit_usd").exact(raw.credit_usd, money=True, positive=True)
    rate = problems.at("defaults.rub_per_usd").exact(
        raw.defaults.rub_per_usd, money=True, positive=True
    )
    markup = problems.at("defaults.markup").exact(raw.defaults.markup, money=True, positive=True)
    return credit or Fraction(1), rate or Fraction(1), markup or Fraction(1)


def _model_files(
    root: Path, raw: RawCatalog, context: ModelContext, problems: list[CatalogProblem]
) -> list[Model]:
    order = {kind.id: kind.order for kind in raw.kinds}
    files: list[tuple[int, str, RawModelFile, Path]] = []
    for path in sorted((root / "models").glob("*.yaml")):
        where = f"models/{path.name}"
        data = _read_yaml(path, where, problems)
        if data is None:
            continue
        try:
            parsed = RawModelFile.model_validate(data)
        except ValidationError as error:
            report_validation(error, Problems(where, problems))
            continue
        if parsed.kind not in order:
            problems.append(CatalogProblem(f"{where}: kind", f"unknown kind {parsed.kind!r}"))
            continue
        files.append((order[parsed.kind], path.name, parsed, path))
    models: list[Model] = []
    first_seen: dict[str, str] = {}
    for _, name, parsed, _path in sorted(files, key=lambda item: (item[0], item[1])):
        for index, data in enumerate(parsed.models):
            model_id = data.get("id") if isinstance(data, dict) else None
            label = f"model {model_id!r}" if isinstance(model_id, str) else f"models[{index}]"
            where = f"models/{name}: {label}"
            if isinstance(model_id, str) and model_id in first_seen:
                problems.append(
                    CatalogProblem(
                        f"{where}: id", f"duplicate id, first defined in {first_seen[model_id]}"
                    )
                )
                continue
            if isinstance(model_id, str):
                first_seen[model_id] = f"models/{name}"
            model = build_model(data, parsed.kind, context, Problems(where, problems))
            if model is not None:
                models.append(model)
    return models


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Read and check the whole catalog under `path` (default: `default_catalog_path()`).

    Raises `CatalogError` listing every problem, each naming its file, model id and field.
    """
    root = Path(path) if path is not None else default_catalog_path()
    if root.is_file():
        root = root.parent
    problems: list[CatalogProblem] = []
    data = _read_yaml(root / "catalog.yaml", "catalog.yaml", problems)
    if data is None:
        raise CatalogError(problems or [CatalogProblem("catalog.yaml", "is empty")])
    try:
        raw = RawCatalog.model_validate(data)
    except ValidationError as error:
        report_validation(error, Problems("catalog.yaml", problems))
        raise CatalogError(problems) from None
    credit, rate, markup = _globals(raw, Problems("catalog.yaml", problems))
    apis = {api_id: _api(api_id, entry) for api_id, entry in raw.apis.items()}
    context = ModelContext(
        kinds={kind.id for kind in raw.kinds},
        units=set(raw.units),
        apis=apis,
        inputs=InputBuilder(raw.input_labels, raw.value_labels),
        credit_usd=credit,
    )
    models = _model_files(root, raw, context, problems)
    if problems:
        raise CatalogError(problems)
    kinds = sorted((Kind(k.id, text_of(k.name), k.order) for k in raw.kinds), key=lambda k: k.order)
    return Catalog(
        credit_usd=credit,
        default_rub_per_usd=rate,
        default_markup=markup,
        units={unit: text_of(name) for unit, name in raw.units.items()},
        apis=apis,
        kind_list=tuple(kinds),
        model_list=tuple(models),
    )
