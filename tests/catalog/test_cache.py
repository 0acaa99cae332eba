"""The built catalog is kept between starts, and never stands in for a catalog that changed."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import structlog

from trt_actors.catalog import (
    CACHE_DIR_ENV,
    Catalog,
    CatalogError,
    load_catalog,
    load_catalog_cached,
)
from trt_actors.catalog import cache as cache_module

from .test_broken_catalog import good_model, one_file, write_catalog


@pytest.fixture
def kept_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


def builds_counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Count the catalogs built from YAML (every other load came from the kept copy)."""
    built: list[Path] = []

    def counting(path: Path) -> Catalog:
        built.append(path)
        return load_catalog(path)

    monkeypatch.setattr(cache_module, "load_catalog", counting)
    return built


def only_model_price(catalog: Catalog) -> str:
    [model] = catalog.models()
    return str([sku.credits for sku in model.pricing.skus])


def test_the_second_start_reads_the_kept_catalog_not_the_yaml(
    tmp_path: Path, kept_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_catalog(tmp_path / "catalog", one_file(good_model()))
    built = builds_counted(monkeypatch)
    first = load_catalog_cached(root)
    second = load_catalog_cached(root)
    assert built == [root]
    assert second == first == load_catalog(root)
    assert len(list(kept_in.glob("catalog-*.pickle"))) == 1


def test_the_real_catalog_comes_back_equal(kept_in: Path) -> None:
    assert load_catalog_cached() == load_catalog_cached() == load_catalog()


def test_an_edited_price_is_built_afresh_and_the_old_copy_removed(
    tmp_path: Path, kept_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_catalog(tmp_path / "catalog", one_file(good_model()))
    before = only_model_price(load_catalog_cached(root))
    dearer = copy.deepcopy(good_model())
    dearer["pricing"]["skus"][0]["credits"] = "0.75"
    write_catalog(tmp_path / "edited", one_file(dearer))
    (root / "models" / "text_to_image.yaml").write_bytes(
        (tmp_path / "edited" / "models" / "text_to_image.yaml").read_bytes()
    )
    built = builds_counted(monkeypatch)
    after = only_model_price(load_catalog_cached(root))
    assert built == [root]
    assert after != before and "Fraction(3, 4)" in after
    assert len(list(kept_in.glob("catalog-*.pickle"))) == 1


def test_a_broken_catalog_still_fails_every_start_and_is_not_kept(
    tmp_path: Path, kept_in: Path
) -> None:
    broken = good_model()
    del broken["pricing"]
    root = write_catalog(tmp_path / "catalog", one_file(broken))
    for _ in range(2):
        with pytest.raises(CatalogError):
            load_catalog_cached(root)
    assert not list(kept_in.glob("catalog-*.pickle"))


def test_a_damaged_copy_is_logged_and_the_catalog_built_from_yaml(
    tmp_path: Path, kept_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_catalog(tmp_path / "catalog", one_file(good_model()))
    load_catalog_cached(root)
    [kept] = kept_in.glob("catalog-*.pickle")
    kept.write_bytes(kept.read_bytes()[:100])  # cut short, as a full disk would leave it
    built = builds_counted(monkeypatch)
    with structlog.testing.capture_logs() as logs:
        catalog = load_catalog_cached(root)
    assert catalog == load_catalog(root) and built == [root]
    assert [entry["event"] for entry in logs] == ["catalog.cache_unreadable"]
    assert load_catalog_cached(root) == catalog and built == [root]  # written anew


def test_a_folder_it_cannot_write_does_not_stop_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv(CACHE_DIR_ENV, str(not_a_folder / "cache"))
    root = write_catalog(tmp_path / "catalog", one_file(good_model()))
    with structlog.testing.capture_logs() as logs:
        assert load_catalog_cached(root) == load_catalog(root)
    assert [entry["event"] for entry in logs] == ["catalog.cache_not_written"]


def test_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = write_catalog(tmp_path / "catalog", one_file(good_model()))
    built = builds_counted(monkeypatch)
    load_catalog_cached(root)
    load_catalog_cached(root)
    assert built == [root, root]
    assert not list(tmp_path.rglob("catalog-*.pickle"))
