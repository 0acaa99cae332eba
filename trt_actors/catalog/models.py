"""The models the bot sells and the loaded catalog of them.

A `Model` is what one model is, what it asks, where it is sent and what it costs; the
`Catalog` holds every model, checked, with the kinds in menu order and the global facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from .inputs import Input, InputProblem, MediaKind, ParamValue, check_value, effective_choices
from .kie_request import Api, KieRequest, Route, build_request
from .pricing import Price, PriceRange, Pricing, Tariff, Unavailable, price_range, quote
from .values import LocalText


class Visibility(StrEnum):
    """Whether a model shows in menus: visible; hidden (orderable by id); disabled."""

    VISIBLE = "visible"
    HIDDEN = "hidden"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class Kind:
    """A section of the menu (text-to-image, upscale…): its id, name and place in menus."""

    id: str
    name: LocalText
    order: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Model:
    """One model of the catalog. Immutable; every method is pure and never raises for
    user input (problems come back as values), except `kie_payload` (`PayloadError`).

    `id` is stable and short (it goes into callback data). `inputs` are in wizard order.
    """

    id: str
    name: str
    provider: str
    kind: str
    description: LocalText
    output: MediaKind
    route: Route
    constants: Mapping[str, object]
    inputs: tuple[Input, ...]
    pricing: Pricing
    visibility: Visibility
    visibility_reason: LocalText | None
    credit_usd: Fraction  # KIE's price of one credit, from catalog.yaml

    @property
    def orderable(self) -> bool:
        """False for disabled models: they have no price and cannot be submitted."""
        return self.visibility is not Visibility.DISABLED

    def input(self, name: str) -> Input | None:
        """The input called `name`, or None."""
        return next((spec for spec in self.inputs if spec.name == name), None)

    def validate(self, params: Mapping[str, ParamValue]) -> list[InputProblem]:
        """Every problem with `params` (empty when the request can be sent), user-worded, in
        input order; when nothing else is wrong, a combination the pricing rules out."""
        known = {spec.name for spec in self.inputs}
        problems = [
            InputProblem(
                name,
                "unknown",
                LocalText(f"Неизвестный параметр «{name}»", f"Unknown parameter {name!r}"),
            )
            for name in params
            if name not in known
        ]
        for spec in self.inputs:
            if spec.name in params:
                problem = check_value(spec, params[spec.name])
            elif spec.asks_user:
                problem = InputProblem(
                    spec.name,
                    "missing",
                    LocalText(f"Нужно указать: {spec.label.ru}", f"{spec.label.en} is required"),
                )
            else:
                problem = None
            if problem is not None:
                problems.append(problem)
        if not problems:
            choices = effective_choices(self.inputs, params)
            reason = self.pricing.unavailable_reason(choices)
            if reason is not None:
                problems.append(InputProblem("", "combination", reason))
        return problems

    def tariff(self, rate: object, markup: object) -> Tariff:
        """The tariff for `rate` RUB per USD and `markup` (exact values; floats rejected)."""
        return Tariff.of(self.credit_usd, rate, markup)

    def price(
        self, params: Mapping[str, ParamValue], rate: object, markup: object
    ) -> Price | Unavailable:
        """The price of a request, or `Unavailable` with the reason (never another SKU)."""
        if not self.orderable:
            reason = self.visibility_reason or LocalText("Модель отключена", "Model disabled")
            return Unavailable(reason, "disabled")
        return quote(self.pricing, self.inputs, self.tariff(rate, markup), params)

    def price_range(self, rate: object, markup: object) -> PriceRange | Unavailable:
        """The lowest and highest price over every SKU (for "from 12 ₽" in menus)."""
        if not self.orderable:
            reason = self.visibility_reason or LocalText("Модель отключена", "Model disabled")
            return Unavailable(reason, "disabled")
        return price_range(self.pricing, self.inputs, self.tariff(rate, markup))

    def kie_payload(
        self,
        params: Mapping[str, ParamValue],
        media_urls: Mapping[str, Sequence[str]],
        callback_url: str | None = None,
    ) -> KieRequest:
        """The KIE request for `params` with the uploaded files' public URLs per media input.

        Returns ``(route, body)``; raises `PayloadError` when `validate` reports a problem,
        or the URLs do not fit the media inputs.
        """
        return build_request(
            self.route,
            inputs=self.inputs,
            constants=self.constants,
            params=params,
            media_urls=media_urls,
            problems=self.validate(params),
            callback_url=callback_url,
        )


def price(
    model: Model, params: Mapping[str, ParamValue], rate: object, markup: object
) -> Price | Unavailable:
    """`model.price(params, rate, markup)`: the price, or why the request cannot be priced."""
    return model.price(params, rate, markup)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every model, checked. Built only by `load_catalog`; immutable and safe to share.

    `default_rub_per_usd` and `default_markup` stand in until tenant settings exist.
    """

    credit_usd: Fraction
    default_rub_per_usd: Fraction
    default_markup: Fraction
    units: Mapping[str, LocalText]
    apis: Mapping[str, Api]
    kind_list: tuple[Kind, ...]
    model_list: tuple[Model, ...]
    _by_id: Mapping[str, Model] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {model.id: model for model in self.model_list})

    def kinds(self) -> tuple[Kind, ...]:
        """Every kind, in menu order."""
        return self.kind_list

    def kind(self, kind_id: str) -> Kind:
        """The kind `kind_id`; raises `KeyError` if there is none."""
        for kind in self.kind_list:
            if kind.id == kind_id:
                return kind
        raise KeyError(kind_id)

    def models(self, kind: str | None = None, visible_only: bool = True) -> tuple[Model, ...]:
        """The models of `kind` (all kinds when None), in catalog order.

        With `visible_only`, only models shown in menus; otherwise hidden and disabled too.
        """
        return tuple(
            model
            for model in self.model_list
            if (kind is None or model.kind == kind)
            and (not visible_only or model.visibility is Visibility.VISIBLE)
        )

    def model(self, model_id: str) -> Model:
        """The model `model_id`; raises `KeyError` if there is none."""
        return self._by_id[model_id]

    def find(self, model_id: str) -> Model | None:
        """The model `model_id`, or None (for ids coming from stale buttons)."""
        return self._by_id.get(model_id)

    def default_tariff(self) -> Tariff:
        """The tariff at the catalog's default exchange rate and markup."""
        return Tariff(self.credit_usd, self.default_rub_per_usd, self.default_markup)

    def sku_count(self) -> int:
        return sum(len(model.pricing.skus) for model in self.model_list)
