"""Sora 2 and the Sora watermark remover stay off (#18): KIE's documentation no longer lists
any of them (the registry built from docs.kie.ai on 2026-10-07, reference/kie-api.md §6.1).
They cannot be ordered, `trt catalog list` says why, and they keep the request shape and
prices KIE last documented — so turning one on, once KIE offers it again, is one line of
data."""

from __future__ import annotations

from fractions import Fraction

import pytest

from trt_actors.catalog import Catalog, Media, Unavailable, Visibility

from .conftest import MARKUP, RATE
from .test_cli import run

SORA = {
    "sora-2-t2v": "sora-2-text-to-video",
    "sora-2-pro-t2v": "sora-2-pro-text-to-video",
    "sora-2-i2v": "sora-2-image-to-video",
    "sora-2-pro-i2v": "sora-2-pro-image-to-video",
    "sora-watermark": "sora-watermark-remover",
}
IMG = "https://files.example/first.png"


def test_every_sora_model_is_off_with_where_it_went(catalog: Catalog) -> None:
    at_kie = {
        model.id: model.route.kie_model
        for model in catalog.models(visible_only=False)
        if (model.route.kie_model or "").startswith("sora")
    }
    assert at_kie == SORA  # none added elsewhere, none left on
    for model_id in SORA:
        model = catalog.model(model_id)
        assert model.visibility is Visibility.DISABLED
        assert model.visibility_reason is not None
        assert "2026-10-07" in model.visibility_reason.en
        assert "2026-10-07" in model.visibility_reason.ru
        assert model not in catalog.models()  # off the menus
        quoted = model.price({"prompt": "a fox"}, RATE, MARKUP)
        assert isinstance(quoted, Unavailable) and quoted.code == "disabled"


def test_catalog_list_says_why_each_is_off(capsys: pytest.CaptureFixture[str]) -> None:
    _, code = run(["catalog", "list"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    for model_id in SORA:
        [at] = [i for i, line in enumerate(lines) if line.split()[0] == model_id]
        assert lines[at].rstrip().endswith("disabled")
        assert lines[at + 1].startswith("    off: KIE no longer offers"), lines[at + 1]
        assert "2026-10-07" in lines[at + 1]
    [midjourney] = [i for i, line in enumerate(lines) if line.startswith("midjourney ")]
    assert lines[midjourney + 1].startswith("    hidden: The Midjourney API left KIE's docs")
    [z_image] = [i for i, line in enumerate(lines) if line.startswith("z-image ")]
    assert not lines[z_image + 1].startswith("    ")  # a model that is on: no such line


def test_they_keep_the_request_and_prices_kie_last_documented(catalog: Catalog) -> None:
    _, body = catalog.model("sora-2-t2v").kie_payload({"prompt": "a fox in snow"}, {})
    assert body == {
        "model": "sora-2-text-to-video",
        "input": {
            "prompt": "a fox in snow",
            "aspect_ratio": "landscape",
            "n_frames": "10",  # the duration in seconds, a string
            "remove_watermark": True,
        },
    }
    _, body = catalog.model("sora-2-pro-i2v").kie_payload(
        {"image": [Media()], "prompt": "go", "n_frames": "15", "size": "high"}, {"image": [IMG]}
    )
    assert body["input"] == {
        "image_urls": [IMG],  # exactly one, as a list
        "prompt": "go",
        "aspect_ratio": "landscape",
        "n_frames": "15",
        "size": "high",
        "remove_watermark": True,
    }
    link = "https://sora.chatgpt.com/p/s_68e83bd7eee88191be79d2ba7158516f"
    _, body = catalog.model("sora-watermark").kie_payload({"video_link": link}, {})
    assert body == {"model": "sora-watermark-remover", "input": {"video_url": link}}
    credits = {
        model_id: {sku.id: sku.credits for sku in catalog.model(model_id).pricing.skus}
        for model_id in SORA
    }
    assert credits["sora-2-t2v"] == credits["sora-2-i2v"] == {"10s": 30, "15s": 35}
    assert (
        credits["sora-2-pro-t2v"]
        == credits["sora-2-pro-i2v"]
        == {
            "10s-standard": 150,
            "15s-standard": 270,
            "10s-high": 330,
            "15s-high": 630,
        }
    )
    assert credits["sora-watermark"] == {"removal": Fraction(10)}
