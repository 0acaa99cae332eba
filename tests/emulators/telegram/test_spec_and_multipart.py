"""The shipped spec, the validator on Telegram's own objects, and the multipart parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trt_actors.emulators.telegram import ApiSpec, Validator
from trt_actors.emulators.telegram._multipart import MultipartError, parse_multipart
from trt_actors.emulators.telegram._registry import METHODS

SAMPLES = Path(__file__).parents[3] / "trt_actors" / "emulators" / "telegram" / "spec"


def test_spec_is_shipped_with_its_license() -> None:
    spec = ApiSpec.load()
    assert spec.version.startswith("Bot API 10.1")
    assert spec.method("SENDMESSAGE") is spec.methods["sendMessage"]
    assert spec.types["InputMediaPhoto"].discriminator == ("type", "photo")
    assert spec.types["ChatMemberBanned"].discriminator == ("status", "kicked")
    assert (SAMPLES / "LICENSE").read_text().startswith("MIT License")


def test_every_emulated_method_exists_in_the_spec() -> None:
    spec = ApiSpec.load()
    assert set(METHODS) <= set(spec.methods)


def test_sample_updates_conform(shared_samples: list[Path]) -> None:
    validator = Validator(ApiSpec.load())
    for path in shared_samples:
        assert validator.check_object("Update", json.loads(path.read_text())) == [], path.name


def test_validator_reports_nested_problems() -> None:
    validator = Validator(ApiSpec.load())
    problems = validator.check_object("Message", {"message_id": "1", "chat": {"id": 1}, "oops": 1})
    assert {(p.kind, p.path) for p in problems} == {
        ("wrong_type", "Message.message_id"),
        ("missing_field", "Message.chat.type"),
        ("missing_field", "Message.date"),
        ("unknown_field", "Message.oops"),
    }


@pytest.fixture
def shared_samples() -> list[Path]:
    repository = Path(__file__).parents[3]
    for shared in (repository.parent / "shared", Path("/work/shared")):
        found = sorted((shared / "spec" / "sample_updates").glob("*.json"))
        if found:
            return found
    pytest.skip("shared sample updates not present")


def test_multipart_parses_fields_and_files() -> None:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n42\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="photo"; filename="a b.png"\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG\r\n--not-a-boundary\r\n"
        b"--XyZ--\r\n"
    )
    fields = parse_multipart(body, "XyZ")
    assert [(p.name, p.filename, p.content_type) for p in fields] == [
        ("chat_id", None, "text/plain"),
        ("photo", "a b.png", "image/png"),
    ]
    assert fields[0].data == b"42"
    assert fields[1].data == b"\x89PNG\r\n--not-a-boundary"


@pytest.mark.parametrize(
    "body",
    [
        b"no boundary here",
        b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
        b"--XyZ\r\nX: y\r\n\r\nv\r\n--XyZ--",
        b"--XyZ\r\nbroken header\r\n\r\nv\r\n--XyZ--",
    ],
)
def test_multipart_rejects_malformed_bodies(body: bytes) -> None:
    with pytest.raises(MultipartError):
        parse_multipart(body, "XyZ")
