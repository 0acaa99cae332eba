"""Turning one raw model entry into a checked `Model`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from ._build_inputs import InputBuilder, text_of
from ._build_pricing import build_pricing
from ._inputs import Input, MediaKind
from ._model import Model, Visibility
from ._problems import Problems
from ._raw import RawModel, RawVisibility
from ._routes import Api, BodyStyle, Route


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
