"""`trt catalog check` and `trt catalog list` through their handlers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from trt_actors.catalog import Catalog
from trt_actors.cli import catalog as catalog_cli

from .test_broken_catalog import good_model, one_file, write_catalog


def run(argv: list[str]) -> tuple[argparse.Namespace, int]:
    parser = argparse.ArgumentParser(prog="trt")
    commands = parser.add_subparsers(dest="command", required=True)
    catalog_cli.register(commands)
    args = parser.parse_args(argv)
    assert args.needs_settings is False
    return args, args.func(args, None)


def test_check_prints_a_summary(capsys: pytest.CaptureFixture[str], catalog: Catalog) -> None:
    _, code = run(["catalog", "check"])
    out = capsys.readouterr().out
    assert code == 0
    total = len(catalog.models(visible_only=False))
    assert f"catalog ok: {total} models, {catalog.sku_count()} SKUs" in out
    assert "visible" in out and "disabled" in out
    for kind in catalog.kinds():
        assert kind.id in out


def test_check_fails_with_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = good_model()
    model["pricing"]["skus"][0]["credits"] = 0.5
    model["kind"] = "nonsense"
    root = write_catalog(tmp_path, one_file(model))
    _, code = run(["catalog", "check", "--path", str(root)])
    err = capsys.readouterr().err
    assert code == 1
    assert "2 problems:" in err and "credits" in err and "unknown kind 'nonsense'" in err


def test_check_counts_in_words_with_plurals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = good_model()
    model["inputs"] = model["inputs"][:1]  # a prompt only, one price
    model["pricing"]["skus"] = [{"id": "image", "credits": 1}]
    root = write_catalog(tmp_path / "one", one_file(model))
    _, code = run(["catalog", "check", "--path", str(root)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("catalog ok: 1 model, 1 SKU\n"), out
    assert "  1 model (1 visible),   1 SKU" in out
    assert "1 models" not in out and "1 SKUs" not in out
    two = good_model()  # two SKUs
    root = write_catalog(tmp_path / "two", one_file(two))
    run(["catalog", "check", "--path", str(root)])
    assert "catalog ok: 1 model, 2 SKUs" in capsys.readouterr().out
    root = write_catalog(tmp_path / "broken", one_file(dict(model, kind="nonsense")))
    run(["catalog", "check", "--path", str(root)])
    assert "1 problem:" in capsys.readouterr().err


def test_list_json_lists_every_model(capsys: pytest.CaptureFixture[str], catalog: Catalog) -> None:
    _, code = run(["catalog", "list", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["terms"] == {"credit_usd": "0.005", "rub_per_usd": "80", "markup": "2"}
    rows = {row["id"]: row for row in data["models"]}
    assert set(rows) == {model.id for model in catalog.models(visible_only=False)}
    z_image = rows["z-image"]
    assert (z_image["kind"], z_image["api"], z_image["kie_model"]) == (
        "text_to_image",
        "market",
        "z-image",
    )
    assert z_image["price_low_kopecks"] == z_image["price_high_kopecks"] == 64
    assert rows["suno-v5"]["api"] == "suno" and rows["suno-v5"]["submit"] == "POST /api/v1/generate"
    assert rows["sora-2-t2v"]["available"] is False and rows["sora-2-t2v"]["reason"]
    assert rows["sora-2-t2v"]["price_low_kopecks"] is None


def test_list_table(capsys: pytest.CaptureFixture[str]) -> None:
    _, code = run(["catalog", "list"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["id", "kind", "provider"]
    assert "veo veo3_fast" in out and "0.64-0.64" in out
