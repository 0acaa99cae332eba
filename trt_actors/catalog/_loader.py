"""Reading the catalog files once, at start, into a checked `Catalog` (the only I/O here).

Layout: ``<root>/catalog.yaml`` (global facts) and ``<root>/models/*.yaml`` (one file per
kind). The default root is the ``catalog/`` folder at the repository root, found from this
package; the environment variable ``TRT_CATALOG_DIR`` overrides it.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ._build_inputs import InputBuilder, text_of
from ._build_model import ModelContext, build_model, report_validation
from ._catalog import Catalog
from ._errors import CatalogError, CatalogProblem
from ._model import Kind, Model
from ._problems import Problems
from ._raw import RawApi, RawCatalog, RawModelFile
from ._routes import Api, BodyStyle, Endpoint

CATALOG_DIR_ENV = "TRT_CATALOG_DIR"


def default_catalog_path() -> Path:
    """``$TRT_CATALOG_DIR`` if set, else the repository's ``catalog/`` next to the package."""
    override = os.environ.get(CATALOG_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "catalog"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping with the same key twice (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges; explicit keys may override merged ones
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path, where: str, problems: list[CatalogProblem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except OSError as error:
        problems.append(CatalogProblem(where, f"cannot read: {error.strerror or error}"))
    except yaml.YAMLError as error:
        problems.append(CatalogProblem(where, f"not valid YAML: {' '.join(str(error).split())}"))
    return None


def _api(api_id: str, raw: RawApi) -> Api:
    return Api(
        id=api_id,
        name=raw.name,
        body=BodyStyle(raw.body),
        submit=Endpoint(raw.submit.method, raw.submit.path),
        status=Endpoint(raw.status.method, raw.status.path),
        task_id_param=raw.task_id_param,
        model_field=raw.model_field,
        state_field=raw.state_field,
        success_states=tuple(raw.success_states),
        failure_states=tuple(raw.failure_states),
        result_field=raw.result_field,
        callback_required=raw.callback_required,
    )


def _globals(raw: RawCatalog, problems: Problems) -> tuple[Fraction, Fraction, Fraction]:
    credit = problems.at("credit_usd").exact(raw.credit_usd, money=True, positive=True)
    rate = problems.at("defaults.rub_per_usd").exact(
        raw.defaults.rub_per_usd, money=True, positive=True
    )
    markup = problems.at("defaults.markup").exact(raw.defaults.markup, money=True, positive=True)
    return credit or Fraction(1), rate or Fraction(1), markup or Fraction(1)


def _model_files(
    root: Path, raw: RawCatalog, context: ModelContext, problems: list[CatalogProblem]
) -> list[Model]:
    order = {kind.id: kind.order for kind in raw.kinds}
    files: list[tuple[int, str, RawModelFile, Path]] = []
    for path in sorted((root / "models").glob("*.yaml")):
        where = f"models/{path.name}"
        data = _read_yaml(path, where, problems)
        if data is None:
            continue
        try:
            parsed = RawModelFile.model_validate(data)
        except ValidationError as error:
            report_validation(error, Problems(where, problems))
            continue
        if parsed.kind not in order:
            problems.append(CatalogProblem(f"{where}: kind", f"unknown kind {parsed.kind!r}"))
            continue
        files.append((order[parsed.kind], path.name, parsed, path))
    models: list[Model] = []
    first_seen: dict[str, str] = {}
    for _, name, parsed, _path in sorted(files, key=lambda item: (item[0], item[1])):
        for index, data in enumerate(parsed.models):
            model_id = data.get("id") if isinstance(data, dict) else None
            label = f"model {model_id!r}" if isinstance(model_id, str) else f"models[{index}]"
            where = f"models/{name}: {label}"
            if isinstance(model_id, str) and model_id in first_seen:
                problems.append(
                    CatalogProblem(
                        f"{where}: id", f"duplicate id, first defined in {first_seen[model_id]}"
                    )
                )
                continue
            if isinstance(model_id, str):
                first_seen[model_id] = f"models/{name}"
            model = build_model(data, parsed.kind, context, Problems(where, problems))
            if model is not None:
                models.append(model)
    return models


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Read and check the whole catalog under `path` (default: `default_catalog_path()`).

    Raises `CatalogError` listing every problem, each naming its file, model id and field.
    """
    root = Path(path) if path is not None else default_catalog_path()
    if root.is_file():
        root = root.parent
    problems: list[CatalogProblem] = []
    data = _read_yaml(root / "catalog.yaml", "catalog.yaml", problems)
    if data is None:
        raise CatalogError(problems or [CatalogProblem("catalog.yaml", "is empty")])
    try:
        raw = RawCatalog.model_validate(data)
    except ValidationError as error:
        report_validation(error, Problems("catalog.yaml", problems))
        raise CatalogError(problems) from None
    credit, rate, markup = _globals(raw, Problems("catalog.yaml", problems))
    apis = {api_id: _api(api_id, entry) for api_id, entry in raw.apis.items()}
    context = ModelContext(
        kinds={kind.id for kind in raw.kinds},
        units=set(raw.units),
        apis=apis,
        inputs=InputBuilder(raw.input_labels, raw.value_labels),
        credit_usd=credit,
    )
    models = _model_files(root, raw, context, problems)
    if problems:
        raise CatalogError(problems)
    kinds = sorted((Kind(k.id, text_of(k.name), k.order) for k in raw.kinds), key=lambda k: k.order)
    return Catalog(
        credit_usd=credit,
        default_rub_per_usd=rate,
        default_markup=markup,
        units={unit: text_of(name) for unit, name in raw.units.items()},
        apis=apis,
        kind_list=tuple(kinds),
        model_list=tuple(models),
    )
