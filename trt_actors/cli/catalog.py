"""`trt catalog check` and `trt catalog list`: the model catalog, checked and listed.

`trt catalog list` shows why a model is off: a line ``off: <reason>`` (``hidden: …`` for a
model orderable by id only) under its row; ``--format json`` has it as ``reason``.

`register(subparsers)` adds the ``catalog`` command. Handlers are ``func(args, settings) ->
int`` and need no settings. The catalog folder is ``--path``, else ``$TRT_CATALOG_DIR``, else
the repository's ``catalog/``. Prices are shown at the catalog's default rate and markup
until tenant settings exist.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from trt_actors.catalog import (
    Catalog,
    CatalogError,
    Model,
    PriceRange,
    Visibility,
    format_exact,
    load_catalog,
)

__all__ = ["check_command", "list_command", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``catalog`` with its ``check`` and ``list`` subcommands."""
    catalog = subparsers.add_parser("catalog", help="the model catalog: check it, list models")
    commands = catalog.add_subparsers(dest="catalog_command", required=True, metavar="{check,list}")
    check = commands.add_parser("check", help="validate the catalog and print a summary")
    check.add_argument("--path", help="catalog folder (default: $TRT_CATALOG_DIR or ./catalog)")
    check.set_defaults(func=check_command, needs_settings=False)
    listing = commands.add_parser("list", help="list every model with its route and prices")
    listing.add_argument("--path", help="catalog folder (default: $TRT_CATALOG_DIR or ./catalog)")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(func=list_command, needs_settings=False)


def _load(args: argparse.Namespace, command: str) -> Catalog | None:
    try:
        return load_catalog(getattr(args, "path", None))
    except CatalogError as error:
        print(f"trt catalog {command}: {counted(len(error.problems), 'problem')}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return None


def check_command(args: argparse.Namespace, settings: object) -> int:
    """Validate the catalog; print models per kind, visibility and SKU count. 0 or 1."""
    catalog = _load(args, "check")
    if catalog is None:
        return 1
    models = catalog.models(visible_only=False)
    states = Counter(model.visibility for model in models)
    print(f"catalog ok: {counted(len(models), 'model')}, {counted(catalog.sku_count(), 'SKU')}")
    print(
        f"visible {states[Visibility.VISIBLE]}, hidden {states[Visibility.HIDDEN]}, "
        f"disabled {states[Visibility.DISABLED]}"
    )
    width = max(len(kind.id) for kind in catalog.kinds())
    for kind in catalog.kinds():
        in_kind = catalog.models(kind.id, visible_only=False)
        shown = sum(model.visibility is Visibility.VISIBLE for model in in_kind)
        skus = sum(len(model.pricing.skus) for model in in_kind)
        models_in = counted(len(in_kind), "model", width=3)
        print(
            f"  {kind.id:<{width}}  {models_in} ({shown} visible), {counted(skus, 'SKU', width=3)}"
        )
    return 0


def counted(number: int, noun: str, *, width: int = 0) -> str:
    """ "1 model", "2 models" (the number right-aligned in `width`)."""
    return f"{number:>{width}} {noun}{'' if number == 1 else 's'}"


def _row(model: Model, catalog: Catalog) -> dict[str, Any]:
    quoted = model.price_range(catalog.default_rub_per_usd, catalog.default_markup)
    row: dict[str, Any] = {
        "id": model.id,
        "name": model.name,
        "kind": model.kind,
        "provider": model.provider,
        "api": model.route.api.id,
        "kie_model": model.route.kie_model,
        "submit": str(model.route.api.submit),
        "visibility": model.visibility.value,
        "available": isinstance(quoted, PriceRange),
        "unit": model.pricing.unit,
        "price_low_kopecks": quoted.low_kopecks if isinstance(quoted, PriceRange) else None,
        "price_high_kopecks": quoted.high_kopecks if isinstance(quoted, PriceRange) else None,
        "skus": len(model.pricing.skus),
    }
    if model.visibility_reason is not None:
        row["reason"] = model.visibility_reason.en
    return row


def _rubles(kopecks: int | None) -> str:
    return "—" if kopecks is None else f"{kopecks // 100}.{kopecks % 100:02d}"


def _price_range(row: dict[str, Any]) -> str:
    if row["price_low_kopecks"] is None:
        return "—"  # no price: off, or no SKU priced
    return f"{_rubles(row['price_low_kopecks'])}-{_rubles(row['price_high_kopecks'])}"


OFF_LABEL = {"disabled": "off", "hidden": "hidden"}  # the line under a model that is not shown


def list_command(args: argparse.Namespace, settings: object) -> int:
    """Print every model (JSON or a table) with route, prices at default terms, availability;
    in the table, a model that is off (or hidden) has a line under it saying why."""
    catalog = _load(args, "list")
    if catalog is None:
        return 1
    rows = [_row(model, catalog) for model in catalog.models(visible_only=False)]
    if args.format == "json":
        terms = {
            "credit_usd": format_exact(catalog.credit_usd),
            "rub_per_usd": format_exact(catalog.default_rub_per_usd),
            "markup": format_exact(catalog.default_markup),
        }
        print(json.dumps({"terms": terms, "models": rows}, ensure_ascii=False, indent=2))
        return 0
    header = ("id", "kind", "provider", "route", "price ₽", "unit", "state")
    table = [header] + [
        (
            row["id"],
            row["kind"],
            row["provider"],
            f"{row['api']} {row['kie_model'] or ''}".strip(),
            _price_range(row),
            row["unit"],
            row["visibility"],
        )
        for row in rows
    ]
    widths = [max(len(str(line[column])) for line in table) for column in range(len(header))]

    def show(line: tuple[Any, ...]) -> None:
        cells = (str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        print("  ".join(cells).rstrip())

    show(header)
    for line, row in zip(table[1:], rows, strict=True):
        show(line)
        if "reason" in row:
            print(f"    {OFF_LABEL.get(row['visibility'], row['visibility'])}: {row['reason']}")
    return 0
