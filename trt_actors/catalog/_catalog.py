"""The loaded catalog: kinds in menu order, models by kind and by id, global facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from ._model import Kind, Model, Visibility
from ._pricing import Tariff
from ._routes import Api
from ._text import LocalText


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
