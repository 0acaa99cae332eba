"""A model the bot sells: what it is, what it asks, where it is sent, what it costs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from ._inputs import Input, MediaKind, ParamValue
from ._params import InputProblem, check_params
from ._payload import KieRequest, build_request
from ._pricing import Price, PriceRange, Pricing, Tariff, Unavailable
from ._quote import price_range, quote
from ._routes import Route
from ._text import LocalText


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
        """Every problem with `params` (empty when the request can be sent), user-worded."""
        return check_params(self.inputs, params, self.pricing)

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
