"""The model catalog: what the bot sells, what each model asks, where it goes, what it costs.

Load once at start with `load_catalog()` (raises `CatalogError` listing every problem, each
naming the file, model id and field). Everything else is pure and immutable:

- `Catalog.kinds()`, `Catalog.models(kind, visible_only=True)`, `Catalog.model(id)`;
- `Model.inputs` (wizard order), `Model.validate(params)` → `list[InputProblem]`;
- `price(model, params, rate, markup)` → `Price` (integer kopecks, rounded up) or
  `Unavailable(reason)` — never a fallback to another SKU;
- `Model.price_range(rate, markup)`, `Model.kie_payload(params, media_urls)` → `(route, body)`.

docs/catalog.md describes the files and the pricing formula.
"""

from ._catalog import Catalog
from ._errors import CatalogError, CatalogProblem, PayloadError
from ._exact import Exact, ceil_fraction, exact, format_exact
from ._inputs import (
    BooleanInput,
    EnumInput,
    EnumOption,
    Input,
    Media,
    MediaInput,
    MediaKind,
    NumberInput,
    ParamValue,
    SendAs,
    TextInput,
)
from ._loader import CATALOG_DIR_ENV, default_catalog_path, load_catalog
from ._model import Kind, Model, Visibility, price
from ._params import InputProblem
from ._payload import KieRequest
from ._pricing import (
    Price,
    PriceRange,
    Pricing,
    Quantity,
    QuantitySource,
    Sku,
    Tariff,
    Unavailable,
    UnavailableRule,
)
from ._routes import Api, BodyStyle, Endpoint, Route
from ._text import LANGUAGES, Language, LocalText

__all__ = [
    "CATALOG_DIR_ENV",
    "LANGUAGES",
    "Api",
    "BodyStyle",
    "BooleanInput",
    "Catalog",
    "CatalogError",
    "CatalogProblem",
    "Endpoint",
    "EnumInput",
    "EnumOption",
    "Exact",
    "Input",
    "InputProblem",
    "KieRequest",
    "Kind",
    "Language",
    "LocalText",
    "Media",
    "MediaInput",
    "MediaKind",
    "Model",
    "NumberInput",
    "ParamValue",
    "PayloadError",
    "Price",
    "PriceRange",
    "Pricing",
    "Quantity",
    "QuantitySource",
    "Route",
    "SendAs",
    "Sku",
    "Tariff",
    "TextInput",
    "Unavailable",
    "UnavailableRule",
    "Visibility",
    "ceil_fraction",
    "default_catalog_path",
    "exact",
    "format_exact",
    "load_catalog",
    "price",
]
