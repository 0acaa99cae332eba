"""The callback codec: compact, versioned, within 64 bytes, and never raising on garbage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt_actors.domain.callbacks import MAX_BYTES, Press, decode, encode, parse_path, path_of


def test_round_trip() -> None:
    data = encode("en", 12, 3, 7)
    assert data == "v1|en|12|3|7"
    assert decode(data) == Press("en", ("12", "3", "7"))
    assert decode(encode("m")) == Press("m")


def test_a_stored_path_reads_back_as_its_press() -> None:
    press = Press("l", ("text_to_image", "2"))
    assert parse_path(path_of(press)) == press


@pytest.mark.parametrize(
    "data",
    [
        "",
        "v1",
        "v2|m",
        "m",
        "v1||",
        "v1|M",
        "v1|m|",
        "v1|m|a b",
        "v1|toolong|1",
        "v1|m|" + "x" * 60,
        "select_model:z-image",
        "gen_type:text-to-image",
        "v1|c|../../etc",
    ],
)
def test_old_layouts_other_versions_and_garbage_decode_to_none(data: str) -> None:
    assert decode(data) is None


def test_encode_refuses_what_it_cannot_carry() -> None:
    with pytest.raises(ValueError, match="argument"):
        encode("c", "a|b")
    with pytest.raises(ValueError, match="code"):
        encode("Menu")
    with pytest.raises(ValueError, match="64 bytes"):
        encode("c", "a" * 32, "b" * 32)


def test_numbers_are_non_negative_integers_that_fit_64_bits_only() -> None:
    press = Press("h", ("3", "-1", "1e3", "9" * 19, "5123456789", "²"))
    assert press.number(0) == 3
    assert press.number(1) is None
    assert press.number(2) is None
    assert press.number(3) is None  # past what storage keeps
    assert press.number(4) == 5_123_456_789  # a Telegram user id
    assert press.number(5) is None
    assert press.number(9) is None


@given(st.text(max_size=200))
def test_decode_never_raises_on_any_text(data: str) -> None:
    press = decode(data)
    if press is not None:
        assert len(data.encode()) <= MAX_BYTES
        assert decode(encode(press.code, *press.args)) == press


@given(st.binary(max_size=100))
def test_decode_never_raises_on_any_bytes(raw: bytes) -> None:
    decode(raw.decode("utf-8", errors="replace"))
    decode(raw.decode("latin-1"))
