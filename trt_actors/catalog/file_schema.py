"""The shape of the catalog files, as pydantic models (structure only; `loader` gives meaning).

Money and other exact amounts are read as `Any` here and converted by the builder, so that a
float gets a clear message ("write it as a string") instead of being silently rounded.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,23}$"
_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    # the schemas are built on the first validation (a catalog built afresh, not one kept
    # between starts): 25-30 ms of every start otherwise
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class RawText(_Strict):
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)


class RawEnumValue(_Strict):
    value: Any
    label: RawText | None = None


class RawInput(_Strict):
    name: str = Field(pattern=_NAME_PATTERN)
    type: Literal["text", "enum", "number", "integer", "boolean", "media"]
    field: str | None = None
    label: RawText | None = None
    hint: RawText | None = None
    required: bool | None = None
    default: Any = None
    min_length: int | None = None
    max_length: int | None = None
    values: list[RawEnumValue] | None = None
    send_as: Literal["string", "integer", "number"] | None = None
    min: Any = None
    max: Any = None
    step: Any = None
    media: Literal["image", "video", "audio", "file"] | None = None
    min_count: int | None = None
    max_count: int | None = None
    as_list: bool | None = None
    max_duration_seconds: Any = None
    max_megapixels: Any = None

    @field_validator("values", mode="before")
    @classmethod
    def _plain_values(cls, values: Any) -> Any:
        """Let plain values stand for ``{value: …}`` entries."""
        if isinstance(values, list):
            return [item if isinstance(item, dict) else {"value": item} for item in values]
        return values


class RawQuantity(_Strict):
    input: str | None = None
    measure: Literal["value", "text_length", "seconds", "megapixels"] | None = None
    per: Any = None
    fixed: Any = None
    map: dict[str, Any] | None = None


class RawSku(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    credits: Any
    when: dict[str, Any] = Field(default_factory=dict)
    free: bool = False
    note: str = ""


class RawUnavailable(_Strict):
    when: dict[str, Any]
    reason: RawText


class RawPricing(_Strict):
    unit: str
    quantity: RawQuantity | None = None
    skus: list[RawSku] = Field(min_length=1)
    unavailable: list[RawUnavailable] = Field(default_factory=list)


class RawVisibility(_Strict):
    state: Literal["visible", "hidden", "disabled"]
    reason: RawText | None = None


class RawRoute(_Strict):
    api: str
    model: str | None = None


class RawModel(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    kind: str
    output: Literal["image", "video", "audio", "text"]
    description: RawText
    route: RawRoute
    constants: dict[str, Any] = Field(default_factory=dict)
    visibility: Literal["visible", "hidden", "disabled"] | RawVisibility = "visible"
    inputs: list[RawInput] = Field(default_factory=list)
    pricing: RawPricing
    source: str = ""


class RawModelFile(_Strict):
    kind: str
    shared: Any = Field(default=None, alias="x-shared")  # YAML anchors reused below
    models: list[dict[str, Any]]


class RawEndpoint(_Strict):
    method: Literal["GET", "POST"]
    path: str = Field(pattern=r"^/api/")


class RawApi(_Strict):
    name: str
    body: Literal["market", "flat"]
    submit: RawEndpoint
    status: RawEndpoint
    task_id_param: str = "taskId"
    model_field: str | None = None
    state_field: str
    success_states: list[str] = Field(min_length=1)
    failure_states: list[str] = Field(min_length=1)
    result_field: str
    callback_required: bool = False


class RawKind(_Strict):
    id: str = Field(pattern=_NAME_PATTERN)
    order: int
    name: RawText


class RawDefaults(_Strict):
    rub_per_usd: Any
    markup: Any


class RawCatalog(_Strict):
    version: Literal[1]
    credit_usd: Any
    defaults: RawDefaults
    units: dict[str, RawText]
    kinds: list[RawKind] = Field(min_length=1)
    apis: dict[str, RawApi]
    input_labels: dict[str, RawText] = Field(default_factory=dict)
    value_labels: dict[str, RawText] = Field(default_factory=dict)
