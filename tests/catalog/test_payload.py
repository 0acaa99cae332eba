"""The KIE request bodies: market createTask and every dedicated API."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from trt_actors.catalog import Catalog, Media, PayloadError

from .conftest import sample_params, sample_urls

IMG = "https://files.example/a.png"


def test_market_body_wraps_input_and_sends_defaults(catalog: Catalog) -> None:
    model = catalog.model("kling-2-6-i2v")
    route, body = model.kie_payload(
        {"image": [Media()], "prompt": "a cat jumps", "duration": "10", "sound": True},
        {"image": [IMG]},
        callback_url="https://bot.example/kie",
    )
    assert route.api.id == "market" and str(route.api.submit) == "POST /api/v1/jobs/createTask"
    assert body == {
        "model": "kling-2.6/image-to-video",
        "input": {"image_urls": [IMG], "prompt": "a cat jumps", "sound": True, "duration": "10"},
        "callBackUrl": "https://bot.example/kie",
    }


def test_market_single_url_fields_numbers_and_optional_inputs(catalog: Catalog) -> None:
    model = catalog.model("kling-2-5-turbo-i2v")
    _, body = model.kie_payload({"image": [Media()], "prompt": "go"}, {"image": [IMG]})
    assert body["input"] == {"image_url": IMG, "prompt": "go", "duration": "5", "cfg_scale": 0.5}
    _, body = model.kie_payload(
        {"image": [Media()], "end_image": [Media()], "prompt": "go", "cfg_scale": Fraction(3, 10)},
        {"image": [IMG], "end_image": ["https://files.example/z.png"]},
    )
    assert body["input"]["tail_image_url"] == "https://files.example/z.png"  # type: ignore[index]
    assert body["input"]["cfg_scale"] == 0.3  # type: ignore[index]


def test_veo(catalog: Catalog) -> None:
    route, body = catalog.model("veo-3-1-fast-i2v").kie_payload(
        {"images": [Media(), Media()], "prompt": "sunrise", "aspect_ratio": "9:16"},
        {"images": [IMG, "https://files.example/b.png"]},
    )
    assert str(route.api.submit) == "POST /api/v1/veo/generate"
    assert str(route.api.status) == "GET /api/v1/veo/record-info"
    assert body == {
        "generationType": "FIRST_AND_LAST_FRAMES_2_VIDEO",
        "enableTranslation": True,
        "imageUrls": [IMG, "https://files.example/b.png"],
        "prompt": "sunrise",
        "aspectRatio": "9:16",
        "model": "veo3_fast",
    }


def test_runway(catalog: Catalog) -> None:
    route, body = catalog.model("runway-i2v").kie_payload(
        {"image": [Media()], "prompt": "waves", "duration": "10"}, {"image": [IMG]}
    )
    assert str(route.api.submit) == "POST /api/v1/runway/generate"
    assert route.api.status.path == "/api/v1/runway/record-detail"
    assert body == {
        "waterMark": "",
        "imageUrl": IMG,
        "prompt": "waves",
        "duration": 10,
        "quality": "720p",
    }
    _, body = catalog.model("runway-t2v").kie_payload({"prompt": "waves"}, {})
    assert body["aspectRatio"] == "16:9" and "model" not in body


def test_suno(catalog: Catalog) -> None:
    route, body = catalog.model("suno-v5").kie_payload(
        {"prompt": "a song about trains", "instrumental": True},
        {},
        callback_url="https://b.example/cb",
    )
    assert str(route.api.submit) == "POST /api/v1/generate"
    assert route.api.status.path == "/api/v1/generate/record-info"
    assert body == {
        "customMode": False,
        "prompt": "a song about trains",
        "instrumental": True,
        "model": "V5",
        "callBackUrl": "https://b.example/cb",
    }


def test_midjourney(catalog: Catalog) -> None:
    route, body = catalog.model("midjourney").kie_payload({"prompt": "castle"}, {})
    assert str(route.api.submit) == "POST /api/v1/mj/generate"
    assert body == {
        "taskType": "mj_txt2img",
        "prompt": "castle",
        "aspectRatio": "1:1",
        "speed": "fast",
        "version": "7",
    }


def test_gpt4o_image(catalog: Catalog) -> None:
    route, body = catalog.model("gpt-4o-image").kie_payload(
        {"prompt": "make it night", "images": [Media()], "variants": "4"}, {"images": [IMG]}
    )
    assert str(route.api.submit) == "POST /api/v1/gpt4o-image/generate"
    assert body == {"prompt": "make it night", "filesUrl": [IMG], "size": "1:1", "nVariants": 4}


def test_flux_kontext(catalog: Catalog) -> None:
    route, body = catalog.model("flux-kontext-max").kie_payload(
        {"prompt": "add a hat", "image": [Media()]}, {"image": [IMG]}
    )
    assert str(route.api.submit) == "POST /api/v1/flux/kontext/generate"
    assert body == {
        "enableTranslation": True,
        "prompt": "add a hat",
        "inputImage": IMG,
        "aspectRatio": "16:9",
        "outputFormat": "jpeg",
        "model": "flux-kontext-max",
    }


def test_every_model_builds_a_json_body(catalog: Catalog) -> None:
    for model in catalog.models(visible_only=False):
        params = sample_params(model)
        route, body = model.kie_payload(params, sample_urls(params, model))
        assert json.loads(json.dumps(body)) == body
        if route.api.id == "market":
            assert body["model"] == route.kie_model and isinstance(body["input"], dict)


def test_bad_requests_raise_payload_error(catalog: Catalog) -> None:
    model = catalog.model("kling-2-6-i2v")
    with pytest.raises(PayloadError, match="prompt"):
        model.kie_payload({"image": [Media()]}, {"image": [IMG]})
    with pytest.raises(PayloadError, match="URL"):
        model.kie_payload({"image": [Media()], "prompt": "x"}, {"image": []})
    with pytest.raises(PayloadError, match="public"):
        model.kie_payload({"image": [Media()], "prompt": "x"}, {"image": ["file:///etc/passwd"]})
    with pytest.raises(PayloadError, match="unknown"):
        model.kie_payload({"image": [Media()], "prompt": "x"}, {"image": [IMG], "video": [IMG]})
    with pytest.raises(PayloadError, match="1080p"):
        catalog.model("runway-t2v").kie_payload(
            {"prompt": "x", "duration": "10", "quality": "1080p"}, {}
        )


def test_validation_messages_speak_to_the_user(catalog: Catalog) -> None:
    model = catalog.model("z-image")
    problems = model.validate({"prompt": "x" * 1001, "aspect_ratio": "2:1", "colour": "red"})
    by_input = {problem.input: problem for problem in problems}
    assert by_input["colour"].code == "unknown"
    assert by_input["prompt"].code == "too_long"
    assert "1000" in by_input["prompt"].message.ru and "1000" in by_input["prompt"].message.en
    assert (
        by_input["aspect_ratio"].code == "not_allowed"
        and "16:9" in by_input["aspect_ratio"].message.en
    )
    assert [p.code for p in model.validate({})] == ["missing"]
    sfx = catalog.model("elevenlabs-sfx")
    codes = {
        p.input: p.code for p in sfx.validate({"text": "rain", "duration_seconds": Fraction(5, 2)})
    }
    assert codes == {"duration_seconds": "step"}
    assert (
        sfx.validate({"text": "rain", "duration_seconds": 0.5})[0].code == "type"
    )  # floats refused
