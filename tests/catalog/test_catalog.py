"""The shipped catalog: every model loads, is complete, and its wizard can be generated."""

from __future__ import annotations

import itertools
import re

import pytest

from trt_actors.catalog import (
    BooleanInput,
    Catalog,
    EnumInput,
    MediaInput,
    Model,
    NumberInput,
    Price,
    TextInput,
    Unavailable,
    Visibility,
    price,
)
from trt_actors.catalog.inputs import check_value

from .conftest import MARKUP, RATE, sample_params

pytestmark = pytest.mark.filterwarnings("error")


def all_models(catalog: Catalog) -> list[Model]:
    return list(catalog.models(visible_only=False))


def test_the_catalog_has_every_kind_and_more_than_seventy_models(catalog: Catalog) -> None:
    models = all_models(catalog)
    assert len(models) >= 75
    assert len(catalog.models()) >= 70  # visible ones
    assert [kind.id for kind in catalog.kinds()] == [
        "text_to_image",
        "image_edit",
        "text_to_video",
        "image_to_video",
        "video_editing",
        "upscale",
        "avatar",
        "text_to_speech",
        "speech_to_text",
        "music",
        "sound_effects",
        "audio_tools",
    ]
    for kind in catalog.kinds():
        assert catalog.models(kind.id), f"no visible model in {kind.id}"


def test_ids_are_unique_short_and_safe_for_callback_data(catalog: Catalog) -> None:
    ids = [model.id for model in all_models(catalog)]
    assert len(ids) == len(set(ids))
    for model_id in ids:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,23}", model_id), model_id
        assert catalog.model(model_id).id == model_id
    assert catalog.find("no-such-model") is None
    with pytest.raises(KeyError):
        catalog.model("no-such-model")


def test_models_are_filed_under_their_kind_and_outputs_fit_it(catalog: Catalog) -> None:
    video_kinds = {"text_to_video", "image_to_video", "video_editing", "avatar"}
    audio_kinds = {"text_to_speech", "music", "sound_effects", "audio_tools"}
    for model in all_models(catalog):
        if model.kind in video_kinds:
            assert model.output == "video", model.id
        if model.kind in audio_kinds:
            assert model.output == "audio", model.id
        if model.kind in {"text_to_image", "image_edit"}:
            assert model.output == "image", model.id
    assert catalog.model("elevenlabs-stt").output == "text"


def test_dedicated_api_models_never_go_to_create_task(catalog: Catalog) -> None:
    dedicated = {m.id: m.route.api.id for m in all_models(catalog) if m.route.api.dedicated}
    assert {"veo", "runway", "suno", "midjourney", "gpt4o_image", "flux_kontext"} <= set(
        dedicated.values()
    )
    for model in all_models(catalog):
        if model.route.api.dedicated:
            assert model.route.api.submit.path != "/api/v1/jobs/createTask"
        else:
            assert model.route.kie_model


def test_hidden_and_disabled_models_say_why(catalog: Catalog) -> None:
    for model in all_models(catalog):
        if model.visibility is not Visibility.VISIBLE:
            assert model.visibility_reason is not None
            assert model.visibility_reason.ru and model.visibility_reason.en
    assert all(m.visibility is Visibility.VISIBLE for m in catalog.models())


def test_every_model_validates_with_its_wizard_answers(catalog: Catalog) -> None:
    for model in all_models(catalog):
        params = sample_params(model)
        assert model.validate(params) == [], model.id


@pytest.mark.parametrize("field", ["label", "field"])
def test_every_input_says_what_to_ask_and_where_it_goes(catalog: Catalog, field: str) -> None:
    for model in all_models(catalog):
        for spec in model.inputs:
            value = getattr(spec, field)
            assert value, f"{model.id}.{spec.name} has no {field}"


def test_wizard_constraints_and_defaults_are_themselves_valid(catalog: Catalog) -> None:
    for model in all_models(catalog):
        assert model.description.ru and model.description.en
        for spec in model.inputs:
            where = f"{model.id}.{spec.name}"
            if isinstance(spec, TextInput):
                assert 0 <= spec.min_length <= spec.max_length, where
            elif isinstance(spec, EnumInput):
                assert spec.options and len(set(spec.values)) == len(spec.values), where
                assert all(option.label.ru and option.label.en for option in spec.options), where
            elif isinstance(spec, NumberInput):
                assert spec.minimum < spec.maximum, where
            elif isinstance(spec, MediaInput):
                assert 0 <= spec.min_count <= spec.max_count, where
                assert spec.required == (spec.min_count > 0), where
            default = getattr(spec, "default", None)
            if default is not None:
                assert check_value(spec, default) is None, where
            if spec.asks_user:
                assert spec.required and default is None


def test_the_default_request_of_every_orderable_model_has_a_price(catalog: Catalog) -> None:
    for model in all_models(catalog):
        quoted = price(model, sample_params(model), RATE, MARKUP)
        if model.orderable:
            assert isinstance(quoted, Price), (model.id, quoted)
            assert quoted.kopecks > 0
        else:
            assert isinstance(quoted, Unavailable) and quoted.code == "disabled"


def _choice_domains(model: Model) -> list[tuple[str, list[object]]]:
    domains: list[tuple[str, list[object]]] = []
    for spec in model.inputs:
        if isinstance(spec, EnumInput):
            domains.append((spec.name, list(spec.values)))
        elif isinstance(spec, BooleanInput):
            domains.append((spec.name, [False, True]))
    return domains


def test_every_enum_combination_has_a_sku_or_says_why_not(catalog: Catalog) -> None:
    """Exhaustive over the product of every enum and boolean input of every model."""
    checked = 0
    for model in all_models(catalog):
        base = sample_params(model)
        names = [name for name, _ in _choice_domains(model)]
        for values in itertools.product(*(domain for _, domain in _choice_domains(model))):
            params = {**base, **dict(zip(names, values, strict=True))}
            quoted = price(model, params, RATE, MARKUP)  # type: ignore[arg-type]
            checked += 1
            if isinstance(quoted, Price):
                assert any(sku.id == quoted.sku_id for sku in model.pricing.skus)
                assert model.validate(params) == []  # type: ignore[arg-type]
            else:
                assert quoted.code in {"disabled", "combination"}, (model.id, params, quoted)
                assert quoted.reason.ru and quoted.reason.en
                if quoted.code == "combination":
                    assert [p.code for p in model.validate(params)] == ["combination"]  # type: ignore[arg-type]
    assert checked > 1000


def test_known_gaps_are_unavailable_not_cheaper(catalog: Catalog) -> None:
    runway = catalog.model("runway-t2v")
    params = {"prompt": "a ship", "duration": "10", "quality": "1080p"}
    quoted = price(runway, params, RATE, MARKUP)
    assert isinstance(quoted, Unavailable) and quoted.code == "combination"
    assert "1080p" in quoted.reason.en
    hailuo = catalog.model("hailuo-2-3-i2v-pro")
    quoted = hailuo.price({"duration": "10", "resolution": "1080P"}, RATE, MARKUP)
    assert isinstance(quoted, Unavailable)
    problems = hailuo.validate(
        {"image": [], "prompt": "x", "duration": "10", "resolution": "1080P"}
    )
    assert {p.input for p in problems} == {"image"}  # the count problem comes first


def test_free_skus_are_flagged(catalog: Catalog) -> None:
    free = {m.id for m in all_models(catalog) for sku in m.pricing.skus if sku.free}
    assert free == {"z-image", "seedream-3", "ideogram-v3", "imagen4-fast", "nano-banana"}
    quoted = price(catalog.model("ideogram-v3"), {"rendering_speed": "TURBO"}, RATE, MARKUP)
    assert isinstance(quoted, Price) and quoted.free
    quoted = price(catalog.model("ideogram-v3"), {"rendering_speed": "QUALITY"}, RATE, MARKUP)
    assert isinstance(quoted, Price) and not quoted.free


def test_price_ranges_bound_every_price(catalog: Catalog) -> None:
    for model in all_models(catalog):
        quoted_range = model.price_range(RATE, MARKUP)
        quoted = price(model, sample_params(model), RATE, MARKUP)
        if isinstance(quoted, Price):
            assert not isinstance(quoted_range, Unavailable)
            assert quoted_range.low_kopecks <= quoted.kopecks <= quoted_range.high_kopecks, model.id
            assert quoted_range.unit == quoted.unit
