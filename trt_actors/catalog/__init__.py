"""The model catalog: what the bot sells, what each model asks, where it goes, what it costs.

Load once at start with `load_catalog()` (raises `CatalogError` listing every problem, each
naming the file, model id and field), or `load_catalog_cached()`, which keeps the built catalog
between starts (`cache.py`). Everything else is pure and immutable:

- `Catalog.kinds()`, `Catalog.models(kind, visible_only=True)`, `Catalog.model(id)`;
- `Model.inputs` (wizard order), `Model.validate(params)` → `list[InputProblem]`;
- `price(model, params, rate, markup)` → `Price` (integer kopecks, rounded up) or
  `Unavailable(reason)` — never a fallback to another SKU;
- `Model.price_range(rate, markup)`, `Model.kie_payload(params, media_urls)` → `(route, body)`.

docs/catalog.md describes the files and the pricing formula.
"""

from .cache import CACHE_DIR_ENV, load_catalog_cached
from .inputs import (
    BooleanInput,
    EnumInput,
    EnumOption,
    Input,
    InputProblem,
    Media,
    MediaInput,
    MediaKind,
    NumberInput,
    ParamValue,
    SendAs,
    TextInput,
)
from .kie_request import Api, BodyStyle, Endpoint, KieRequest, PayloadError, Route
from .loader import (
    CATALOG_DIR_ENV,
    CatalogError,
    CatalogProblem,
    default_catalog_path,
    load_catalog,
)
from .models import Catalog, Kind, Model, Visibility, price
from .pricing import (
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
from .values import LANGUAGES, Exact, Language, LocalText, ceil_fraction, exact, format_exact

__all__ = [
    "CACHE_DIR_ENV",
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
    "load_catalog_cached",
    "price",
]
