"""What a generation gives back looks like what was asked: a picture of the asked shape with
the prompt written on it, a few frames of "video", a short tone — small and repeatable."""

from __future__ import annotations

import io
import json
import wave
from typing import Any

import pytest
from PIL import Image, ImageSequence

from trt_actors.emulators.kie import KieEmulatorConfig, Schedule, open_kie_emulator
from trt_actors.emulators.kie._results import make, request_of

from .support import call, raw

WHITE = (255, 255, 255)


def image(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def market(prompt: str, **more: Any) -> dict[str, Any]:
    return {"model": "z-image", "input": {"prompt": prompt, **more}}


@pytest.mark.parametrize(
    ("asked", "size"),
    [
        ({"aspect_ratio": "16:9"}, (768, 432)),
        ({"aspect_ratio": "9:16"}, (432, 768)),
        ({"aspect_ratio": "21:9"}, (768, 330)),
        ({"size": "3:2"}, (768, 512)),
        ({"image_size": "portrait_4_3"}, (576, 768)),
        ({"image_size": "landscape_16_9"}, (768, 432)),
        ({"image_size": "square_hd"}, (768, 768)),
        ({"image_size": {"width": 1200, "height": 800}}, (768, 512)),
        ({"aspect_ratio": "auto"}, (768, 768)),  # nothing asked: a square, as models do
        ({"aspect_ratio": "1:40"}, (768, 768)),  # nonsense: the default
        ({}, (768, 768)),
    ],
)
def test_a_picture_has_the_shape_that_was_asked(
    asked: dict[str, Any], size: tuple[int, int]
) -> None:
    picture = image(make("image", market("a red fox", **asked), "z-image", 0))
    assert picture.format == "PNG" and picture.size == size


def test_a_picture_shows_its_prompt_and_is_repeatable() -> None:
    def white_rows(prompt: str) -> int:
        picture = image(make("image", market(prompt, aspect_ratio="1:1"), "z-image", 0))
        pixels = picture.convert("RGB").load()
        width, height = picture.size
        return sum(any(pixels[x, y] == WHITE for x in range(0, width, 2)) for y in range(height))

    short = white_rows("a fox")
    long = white_rows("a red fox running through a snowy forest at sunrise, " * 3)
    assert short > 20  # the prompt is written on it, in white
    assert long > 2 * short  # a longer prompt takes more lines
    same = make("image", market("a fox"), "z-image", 0)
    assert same == make("image", market("a fox"), "z-image", 0)
    assert same != make("image", market("a fox"), "z-image", 1)  # variants differ
    assert same != make("image", market("a cat"), "z-image", 0)
    assert len(make("image", market("🦊 " * 3000), "z-image", 0)) < 200_000  # small


def frames_of(data: bytes) -> tuple[tuple[int, int], list[bytes], int]:
    """A GIF's size, its frames as a viewer composes them, and the loop count."""
    clip = Image.open(io.BytesIO(data))
    assert clip.format == "GIF" and clip.info.get("duration") == 100
    frames = [frame.convert("RGB").tobytes() for frame in ImageSequence.Iterator(clip)]
    return clip.size, frames, int(clip.info.get("loop", -1))


def test_a_video_is_a_few_frames_of_the_asked_shape() -> None:
    data = make("video", {"prompt": "a lighthouse in a storm", "aspectRatio": "9:16"}, "veo3", 0)
    size, frames, loop = frames_of(data)
    assert size == (180, 320) and len(frames) == 12 and loop == 0  # 1.2 s, looping
    assert len(set(frames)) == 12  # it moves
    wide = make("video", {"prompt": "a lighthouse"}, "kling", 0)
    assert frames_of(wide)[0] == (320, 180)  # video's default: 16:9
    assert len(data) < 150_000 and data == make(
        "video", {"prompt": "a lighthouse in a storm", "aspectRatio": "9:16"}, "veo3", 0
    )


def test_audio_is_a_short_tone() -> None:
    data = make("audio", {"prompt": "a song about the sea"}, "suno", 0)
    with wave.open(io.BytesIO(data)) as reader:
        seconds = reader.getnframes() / reader.getframerate()
        samples = reader.readframes(reader.getnframes())
    assert seconds == 2.0 and any(samples)
    assert data != make("audio", {"prompt": "a song about the sea"}, "suno", 1)  # two takes


def test_the_request_is_read_from_a_market_or_a_dedicated_body() -> None:
    asked = request_of(market("a fox", aspect_ratio="4:3", resolution="2K"), "z-image", "image")
    assert (asked.prompt, asked.ratio_label, asked.resolution) == ("a fox", "4:3", "2K")
    dedicated = request_of({"prompt": "waves", "aspectRatio": "16:9"}, "veo3", "video")
    assert (dedicated.prompt, dedicated.ratio_label) == ("waves", "16:9")


async def test_the_result_url_serves_the_picture() -> None:
    config = KieEmulatorConfig(schedule=Schedule(waiting=0.05, generating=0.05))
    async with open_kie_emulator(config) as emu, raw(emu) as client:  # over loopback
        body = market("a lighthouse at dawn", aspect_ratio="9:16")
        answer = await call(client, "POST", "/api/v1/jobs/createTask", json=body)
        task_id = answer["data"]["taskId"]
        await emu.ctl.wait_for_state(task_id, "success")
        info = await call(client, "GET", "/api/v1/jobs/recordInfo", params={"taskId": task_id})
        [url] = json.loads(info["data"]["resultJson"])["resultUrls"]
        head = await client.head(url)  # what the job asks first, to choose how to send it
        got = await client.get(url)
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert int(head.headers["content-length"]) == len(got.content)
    assert image(got.content).size == (432, 768)
    assert got.content == make("image", body, "z-image", 0)
