"""The fixed facts of one update that every screen needs: catalog, context, language, user."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trt_actors.catalog import (
    Catalog,
    Kind,
    Model,
    ParamValue,
    Price,
    PriceRange,
    Unavailable,
)

from .context import Context
from .money import money
from .texts import text


@dataclass(frozen=True, slots=True)
class Turn:
    """One update's view of the world. Pure: built from the handler's inputs only."""

    catalog: Catalog
    context: Context
    language: str
    user_id: int
    chat_id: int | None
    first_name: str
    update_id: int = 0  # for idempotency keys of what this update asks for

    def t(self, key: str, **values: object) -> str:
        """The text `key` in the user's language."""
        return text(self.language, key, **values)

    def money(self, kopecks: int) -> str:
        return money(kopecks, self.language)

    @property
    def name(self) -> str:
        return self.first_name or "👋"

    def models(self, kind_id: str) -> list[Model]:
        """A section's models on the menus: the catalog's visible ones, less those the
        tenant's admin hid (`hidden_models`)."""
        hidden = self.context.settings.hidden_models
        return [model for model in self.catalog.models(kind_id) if model.id not in hidden]

    def kinds(self) -> list[Kind]:
        """The menu sections that have models on the menus, in menu order."""
        return [kind for kind in self.catalog.kinds() if self.models(kind.id)]

    def kind(self, kind_id: str) -> Kind | None:
        return next((kind for kind in self.kinds() if kind.id == kind_id), None)

    def model(self, model_id: str) -> Model | None:
        """An orderable model (visible, or hidden in the catalog but reachable by id); None
        otherwise — and None for a model the tenant's admin hid: it cannot be ordered here."""
        model = self.catalog.find(model_id)
        if model is None or not model.orderable:
            return None
        return None if model.id in self.context.settings.hidden_models else model

    def price(self, model: Model, params: Mapping[str, ParamValue]) -> Price | Unavailable:
        tariff = self.context.tariff
        return model.price(params, tariff.rub_per_usd, tariff.markup)

    def price_range(self, model: Model) -> PriceRange | Unavailable:
        tariff = self.context.tariff
        return model.price_range(tariff.rub_per_usd, tariff.markup)

    def unit_name(self, unit: str) -> str:
        name = self.catalog.units.get(unit)
        return name.get(self.language) if name is not None else unit
