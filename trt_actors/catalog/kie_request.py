"""The KIE request a model makes: where it goes (KIE's market endpoints or one of its
dedicated APIs) and the exact body, built from checked parameters and media URLs.

Each API is data from ``catalog/catalog.yaml``: its submit and status endpoints, how the
request body is shaped, and where the status answer keeps the state and the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple

from .inputs import (
    BooleanInput,
    EnumInput,
    Input,
    InputProblem,
    MediaInput,
    NumberInput,
    ParamValue,
    SendAs,
    as_number,
)


class BodyStyle(StrEnum):
    """How the request body is shaped."""

    MARKET = "market"  # {"model": <kie model>, "input": {...}, "callBackUrl"?}
    FLAT = "flat"  # {...fields at the top level..., "callBackUrl"?}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An HTTP method and a path on the KIE API host."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class Api:
    """One KIE API: the market (`jobs/createTask`) or a dedicated one (Veo, Runway, Suno…).

    `status` is polled with the task id in the query parameter `task_id_param`. The answer's
    state is at `state_field` (a dotted path); `success_states` and `failure_states` are its
    final values, and the result URLs are at `result_field`. An API with `callback_required`
    refuses a task without a callBackUrl: a bot without a public URL gives it
    `NO_CALLBACK_URL`, a URL that never resolves, and polls as for every task.
    """

    id: str
    name: str
    body: BodyStyle
    submit: Endpoint
    status: Endpoint
    task_id_param: str
    model_field: str | None
    state_field: str
    success_states: tuple[str, ...]
    failure_states: tuple[str, ...]
    result_field: str
    callback_required: bool = False  # the API refuses a task without callBackUrl (Suno)

    @property
    def dedicated(self) -> bool:
        """True for every API other than the market's `jobs/createTask`."""
        return self.body is not BodyStyle.MARKET


@dataclass(frozen=True, slots=True)
class Route:
    """The API a model is sent to and the model id KIE knows it by (if the API takes one)."""

    api: Api
    kie_model: str | None

    def describe(self) -> str:
        """A short text for listings: ``market kling-2.6/text-to-video`` or ``veo veo3_fast``."""
        return f"{self.api.id} {self.kie_model}" if self.kie_model else self.api.id


JsonValue = str | int | float | bool | list[str] | None
"""What a request field holds."""


class KieRequest(NamedTuple):
    """The request to submit: where (`route`) and what (`body`, ready for JSON)."""

    route: Route
    body: dict[str, object]


class PayloadError(ValueError):
    """A KIE request cannot be built: the parameters or the media do not fit the model."""


NO_CALLBACK_URL = "https://callback.invalid/kie"
"""For APIs that require a callBackUrl when the bot has no public URL: `.invalid` never
resolves (RFC 2606), so KIE's callback fails harmlessly and the job polls."""


def _json_number(value: Fraction, integer: bool) -> int | float:
    """A JSON number: an int when whole (always for integer inputs), else the nearest float.

    Floats appear only here, in request fields such as a guidance scale; never in money.
    """
    if value.denominator == 1 or integer:
        return int(value)
    return float(value)


def _enum_value(spec: EnumInput, value: str) -> str | int | float:
    if spec.send_as is SendAs.INTEGER:
        return int(value)
    if spec.send_as is SendAs.NUMBER:
        number = Fraction(value)
        return _json_number(number, integer=False)
    return value


def _field_value(spec: Input, value: ParamValue, urls: Sequence[str]) -> JsonValue:
    if isinstance(spec, MediaInput):
        if spec.as_list:
            return list(urls)
        return urls[0] if urls else None
    if isinstance(spec, EnumInput):
        assert isinstance(value, str)
        return _enum_value(spec, value)
    if isinstance(spec, NumberInput):
        number = as_number(value)
        assert number is not None
        return _json_number(number, spec.integer)
    if isinstance(spec, BooleanInput):
        return bool(value)
    assert isinstance(value, str)
    return value


def _checked_urls(
    inputs: Sequence[Input],
    params: Mapping[str, ParamValue],
    media_urls: Mapping[str, Sequence[str]],
) -> None:
    media = {spec.name: spec for spec in inputs if isinstance(spec, MediaInput)}
    unknown = sorted(set(media_urls) - set(media))
    if unknown:
        raise PayloadError(f"media for unknown inputs: {', '.join(unknown)}")
    for name, spec in media.items():
        urls = list(media_urls.get(name, ()))
        if not spec.min_count <= len(urls) <= spec.max_count:
            raise PayloadError(
                f"{name}: {len(urls)} URL(s), expected {spec.min_count} to {spec.max_count}"
            )
        given = params.get(name)
        if isinstance(given, Sequence) and not isinstance(given, str) and len(given) != len(urls):
            raise PayloadError(f"{name}: {len(urls)} URL(s) for {len(given)} file(s)")
        bad = [
            url
            for url in urls
            if not (isinstance(url, str) and url.startswith(("https://", "http://")))
        ]
        if bad:
            raise PayloadError(f"{name}: not a public http(s) URL: {bad[0]!r}")


def build_request(
    route: Route,
    *,
    inputs: Sequence[Input],
    constants: Mapping[str, object],
    params: Mapping[str, ParamValue],
    media_urls: Mapping[str, Sequence[str]],
    problems: Sequence[InputProblem],
    callback_url: str | None = None,
) -> KieRequest:
    """The request body for `route`; raises `PayloadError` on any problem with the input.

    Inputs the user left out are sent with their defaults (so the price quoted is the price
    of what KIE receives); optional inputs without a default are left out.
    """
    if problems:
        raise PayloadError("; ".join(f"{p.input or 'request'}: {p.message.en}" for p in problems))
    _checked_urls(inputs, params, media_urls)
    fields: dict[str, object] = dict(constants)
    for spec in inputs:
        urls = list(media_urls.get(spec.name, ()))
        value = params.get(spec.name, spec.default)
        if value is None and not (isinstance(spec, MediaInput) and urls):
            continue
        converted = _field_value(spec, value if value is not None else (), urls)
        if converted is not None and converted != []:
            fields[spec.field] = converted
    if route.api.body is BodyStyle.MARKET:
        body: dict[str, object] = {"model": route.kie_model, "input": fields}
    else:
        body = dict(fields)
        if route.api.model_field and route.kie_model is not None:
            body[route.api.model_field] = route.kie_model
    if callback_url is None and route.api.callback_required:
        callback_url = NO_CALLBACK_URL  # polled instead; KIE's POST goes nowhere
    if callback_url is not None:
        body["callBackUrl"] = callback_url
    return KieRequest(route, body)
