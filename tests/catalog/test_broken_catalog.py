"""Broken catalog files fail at load with every problem, naming the file, model and field."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from trt_actors.catalog import CatalogError, default_catalog_path, load_catalog


def good_model(model_id: str = "test-model") -> dict[str, Any]:
    return {
        "id": model_id,
        "name": "Test",
        "provider": "Test",
        "kind": "text_to_image",
        "output": "image",
        "description": {"ru": "Тест", "en": "Test"},
        "route": {"api": "market", "model": "test/model"},
        "inputs": [
            {"name": "prompt", "type": "text", "required": True, "max_length": 100},
            {"name": "resolution", "type": "enum", "default": "1K", "values": ["1K", "2K"]},
        ],
        "pricing": {
            "unit": "image",
            "skus": [
                {"id": "1k", "credits": "0.5", "when": {"resolution": "1K"}},
                {"id": "2k", "credits": 1, "when": {"resolution": "2K"}},
            ],
        },
    }


def write_catalog(root: Path, files: dict[str, Any]) -> Path:
    (root / "models").mkdir(parents=True)
    shutil.copy(default_catalog_path() / "catalog.yaml", root / "catalog.yaml")
    for name, content in files.items():
        text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
        (root / "models" / name).write_text(text, encoding="utf-8")
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    assert str(caught.value).startswith("the model catalog has")
    return [str(problem) for problem in caught.value.problems]


def one_file(*models: dict[str, Any]) -> dict[str, Any]:
    return {"text_to_image.yaml": {"kind": "text_to_image", "models": list(models)}}


def test_a_good_minimal_catalog_loads(tmp_path: Path) -> None:
    catalog = load_catalog(write_catalog(tmp_path, one_file(good_model())))
    assert [model.id for model in catalog.models()] == ["test-model"]


def test_unknown_kind(tmp_path: Path) -> None:
    model = {**good_model(), "kind": "text_to_imagee"}
    [problem] = problems_of(write_catalog(tmp_path, one_file(model)))
    assert "model 'test-model': kind" in problem and "unknown kind 'text_to_imagee'" in problem


def test_model_filed_under_another_kind(tmp_path: Path) -> None:
    model = {**good_model(), "kind": "text_to_video"}
    [problem] = problems_of(write_catalog(tmp_path, one_file(model)))
    assert "model 'test-model': kind" in problem and "filed under 'text_to_image'" in problem


def test_enum_default_not_in_values(tmp_path: Path) -> None:
    model = good_model()
    model["inputs"][1]["default"] = "4K"
    problems = problems_of(write_catalog(tmp_path, one_file(model)))
    assert any(
        "model 'test-model': inputs[1].default" in p and "'4K' is not one of the values" in p
        for p in problems
    )


def test_sku_referencing_an_unknown_input(tmp_path: Path) -> None:
    model = good_model()
    model["pricing"]["skus"][1]["when"] = {"resolutionn": "2K"}
    problems = problems_of(write_catalog(tmp_path, one_file(model)))
    assert any(
        "model 'test-model': pricing.skus[1].when.resolutionn" in p and "unknown input" in p
        for p in problems
    )


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    files = {
        **one_file(good_model("twin")),
        "upscale.yaml": {"kind": "upscale", "models": [{**good_model("twin"), "kind": "upscale"}]},
    }
    [problem] = problems_of(write_catalog(tmp_path, files))
    assert "models/upscale.yaml: model 'twin': id" in problem
    assert "duplicate id, first defined in models/text_to_image.yaml" in problem


def test_float_money_is_refused(tmp_path: Path) -> None:
    model = good_model()
    model["pricing"]["skus"][0]["credits"] = 0.5
    [problem] = problems_of(write_catalog(tmp_path, one_file(model)))
    assert "model 'test-model': pricing.skus[0].credits" in problem
    assert "not the float 0.5" in problem and 'write "0.5"' in problem


def test_a_combination_without_sku_or_reason(tmp_path: Path) -> None:
    model = good_model()
    del model["pricing"]["skus"][1]
    [problem] = problems_of(write_catalog(tmp_path, one_file(model)))
    assert "model 'test-model': pricing.skus" in problem
    assert "no SKU and no unavailable rule for resolution=2K" in problem


def test_two_skus_for_one_combination(tmp_path: Path) -> None:
    model = good_model()
    model["pricing"]["skus"].append({"id": "any", "credits": 3})
    problems = problems_of(write_catalog(tmp_path, one_file(model)))
    assert any("all match resolution=1K" in p for p in problems)


def test_enum_values_must_be_quoted_strings(tmp_path: Path) -> None:
    model = good_model()
    model["inputs"].append({"name": "duration", "type": "enum", "default": "5", "values": [5, 10]})
    problems = problems_of(write_catalog(tmp_path, one_file(model)))
    assert any("inputs[2].values[0]" in p and "write '5' in quotes" in p for p in problems)


def test_unknown_api_unit_and_missing_reason_are_all_reported(tmp_path: Path) -> None:
    model = {**good_model(), "route": {"api": "sora"}, "visibility": "disabled"}
    model["pricing"]["unit"] = "frame"
    problems = problems_of(write_catalog(tmp_path, one_file(model)))
    joined = "\n".join(problems)
    assert "route.api: unknown API 'sora'" in joined
    assert "pricing.unit: unknown unit 'frame'" in joined
    assert "visibility.reason: a disabled model needs a reason" in joined
    assert len(problems) == 3


def test_structure_errors_name_the_field(tmp_path: Path) -> None:
    model = good_model()
    model["inputs"][0]["type"] = "string"
    model["colour"] = "blue"
    problems = problems_of(write_catalog(tmp_path, one_file(model)))
    assert any("model 'test-model': inputs[0].type" in p for p in problems)
    assert any("model 'test-model': colour" in p for p in problems)


def test_duplicate_yaml_keys_and_broken_yaml(tmp_path: Path) -> None:
    text = "kind: text_to_image\nkind: upscale\nmodels: []\n"
    [problem] = problems_of(write_catalog(tmp_path, {"text_to_image.yaml": text}))
    assert (
        "models/text_to_image.yaml: not valid YAML" in problem and "duplicate key 'kind'" in problem
    )


def test_a_missing_catalog_folder(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "nowhere")
    assert problem.startswith("catalog.yaml: cannot read")
