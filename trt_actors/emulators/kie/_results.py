"""What a finished task's files look like: results a person recognises as the thing asked for.

- **image** (`picture`): a PNG at the aspect ratio the request asked for (768 px on its long
  side), a gradient in the prompt's colours with the prompt written on it and a footer naming
  the model, the ratio and the resolution asked for;
- **video** (`clip`): an animated GIF at the asked ratio (320 px on its long side, 12 frames
  of 0.1 s, looping) with the prompt on it and a bright band sweeping across. No MP4 encoder
  ships with the project's dependencies; Telegram plays GIFs as animations, the Telegram
  emulator takes any URL for `sendVideo`, and the sandbox page shows a GIF as the animation
  it is;
- **audio**: a short tone (`_media.wav`): 16-bit mono PCM WAV, 2 s, its pitch from the
  prompt. The job sends it with `sendAudio` by URL, which the emulator accepts as it accepts
  every URL (it never fetches them); the page plays it in an `<audio>` player.

Drawn with Pillow (a dependency of matplotlib) in DejaVu Sans, the font matplotlib ships, so
Cyrillic prompts show too. Everything is a function of the request: the same request makes
the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import json
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from trt_actors.emulators.kie import _media

PICTURE_EDGE = 768  # pixels on the long side of an image result
CLIP_EDGE = 320  # pixels on the long side of a video result
CLIP_FRAMES = 12
CLIP_FRAME_MS = 100
TONE_SECONDS = 2.0
MAX_RATIO = 4  # a ratio beyond 4:1 (or a nonsense one) is drawn as the default
RATIO_KEYS = ("aspect_ratio", "aspectRatio", "aspect", "ratio", "size", "image_size", "imageSize")
RESOLUTION_KEYS = ("resolution", "image_resolution", "quality")
DEFAULT_RATIO = {"image": Fraction(1), "video": Fraction(16, 9)}
_NAMED = {"square": Fraction(1), "landscape": Fraction(16, 9), "portrait": Fraction(9, 16)}
_RATIO = re.compile(r"(\d+(?:\.\d+)?)\s*[:x_/]\s*(\d+(?:\.\d+)?)")
FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True, slots=True)
class Request:
    """What a result is drawn from: the prompt, the model, the shape and resolution asked."""

    prompt: str
    model: str
    ratio: Fraction
    ratio_label: str
    resolution: str | None

    @property
    def seed(self) -> str:
        return f"{self.model}\n{self.prompt}"

    def size(self, edge: int) -> tuple[int, int]:
        """Pixels with `edge` on the long side, at the asked ratio (even numbers)."""
        if self.ratio >= 1:
            return edge, max(2, round(edge / self.ratio / 2) * 2)
        return max(2, round(edge * self.ratio / 2) * 2), edge


def request_of(body: Mapping[str, Any], model: str, output: str) -> Request:
    """The drawing request of a task body (a market body's `input`, or a dedicated API's
    body itself): its prompt, aspect ratio (`16:9`, `landscape_4_3`, `portrait`, `square_hd`,
    explicit `width`/`height`…) and resolution; the output kind's default ratio otherwise."""
    source = body.get("input") if isinstance(body.get("input"), Mapping) else body
    assert isinstance(source, Mapping)
    prompt = source.get("prompt")
    ratio, label = _ratio_of(source)
    if ratio is None:
        ratio = DEFAULT_RATIO.get(output, Fraction(1))
        label = f"{ratio.numerator}:{ratio.denominator}"
    resolution = next(
        (str(source[key]) for key in RESOLUTION_KEYS if isinstance(source.get(key), str)), None
    )
    return Request(
        prompt=prompt.strip() if isinstance(prompt, str) else "",
        model=model,
        ratio=ratio,
        ratio_label=label,
        resolution=resolution,
    )


def _ratio_of(source: Mapping[str, Any]) -> tuple[Fraction | None, str]:
    width, height = source.get("width"), source.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return _sane(Fraction(width, height)), f"{width}x{height}"
    for key in RATIO_KEYS:
        value = source.get(key)
        if isinstance(value, Mapping):  # image_size: {"width": …, "height": …}
            return _ratio_of(value)
        if not isinstance(value, str):
            continue
        found = _RATIO.search(value)
        if found:
            ratio = Fraction(found.group(1)) / Fraction(found.group(2))
            if "portrait" in value.lower() and ratio > 1:  # portrait_4_3 is 3:4
                ratio = 1 / ratio
            return _sane(ratio), value
        for word, named in _NAMED.items():
            if word in value.lower():
                return named, value
    return None, ""


def _sane(ratio: Fraction) -> Fraction | None:
    return ratio if Fraction(1, MAX_RATIO) <= ratio <= MAX_RATIO else None


def extension(output: str) -> str:
    """The file extension of a result of kind `output`."""
    return {"video": "gif", "audio": "wav"}.get(output, "png")


def make(output: str, body: Mapping[str, Any], model: str, index: int) -> bytes:
    """The bytes of result file `index` of a task making `output` (`extension` names it).
    Load tests ask for the same thing many times: the last few results are remembered."""
    key = json.dumps(body, sort_keys=True, default=str)
    return _made(output, key, model, index)


@functools.lru_cache(maxsize=32)
def _made(output: str, body_json: str, model: str, index: int) -> bytes:
    body = json.loads(body_json)
    request = request_of(body, model, output)
    if index:  # takes and variants differ, as a model's would
        request = Request(
            f"{request.prompt} #{index + 1}".strip(),
            request.model,
            request.ratio,
            request.ratio_label,
            request.resolution,
        )
    if output == "video":
        return clip(request)
    if output == "audio":
        return _media.wav(request.seed, seconds=TONE_SECONDS)
    return picture(request)


def picture(request: Request) -> bytes:
    """The PNG of an image result."""
    width, height = request.size(PICTURE_EDGE)
    image = _canvas(request, width, height)
    _write(image, request)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def clip(request: Request) -> bytes:
    """The animated GIF of a video result."""
    width, height = request.size(CLIP_EDGE)
    still = _canvas(request, width, height)
    _write(still, request)
    palette = still.quantize(colors=96, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    frames = []
    for number in range(CLIP_FRAMES):
        frame = still.copy()
        band = ImageDraw.Draw(frame, "RGBA")
        centre = width * (2 * number + 1) // (2 * CLIP_FRAMES)  # on screen in every frame
        band.polygon(
            [
                (centre, 0),
                (centre + height // 3, 0),
                (centre, height),
                (centre - height // 3, height),
            ],
            fill=(255, 255, 255, 70),
        )
        frames.append(frame.quantize(palette=palette, dither=Image.Dither.NONE))
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=CLIP_FRAME_MS,
        loop=0,
        optimize=False,
    )
    return out.getvalue()


def _canvas(request: Request, width: int, height: int) -> Image.Image:
    """A diagonal gradient from a dark to a light shade of the prompt's colour, with a few
    soft discs placed by the prompt's hash."""
    red, green, blue = _media.colour_of(request.seed)
    dark = (red // 4, green // 4, blue // 4)
    light = tuple(min(255, 90 + c * 3 // 4) for c in (red, green, blue))
    down = Image.linear_gradient("L").resize((width, height))
    across = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize((width, height))
    ramp = ImageChops.add(
        down, ImageOps.mirror(across), scale=2
    )  # top left dark, bottom right light
    image = ImageOps.colorize(ramp, black=dark, white=light).convert("RGB")
    draw = ImageDraw.Draw(image, "RGBA")
    digest = hashlib.sha256(request.seed.encode("utf-8")).digest()
    for i in range(4):
        x, y, r = digest[3 + i * 3], digest[4 + i * 3], digest[5 + i * 3]
        cx, cy = x * width // 255, y * height // 255
        radius = (min(width, height) // 8) + r * min(width, height) // 1024
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(255, 255, 255, 28))
    return image


def _write(image: Image.Image, request: Request) -> None:
    """The prompt in the middle of the picture (wrapped, shortened to fit), the model, the
    ratio and the resolution in a footer."""
    width, height = image.size
    draw = ImageDraw.Draw(image, "RGBA")
    size = max(10, min(width, height) // 12)
    font = _font(size)
    columns = max(8, int(width * 0.86 / (size * 0.55)))
    rows = max(1, int(height * 0.62 / (size * 1.25)))
    lines = textwrap.wrap(request.prompt or "(no prompt)", columns) or ["(no prompt)"]
    if len(lines) > rows:
        lines = [*lines[: rows - 1], textwrap.shorten(" ".join(lines[rows - 1 :]), columns)]
    block = "\n".join(lines)
    left, top, right, bottom = draw.multiline_textbbox((0, 0), block, font=font, spacing=size // 4)
    x = (width - (right - left)) // 2
    y = (height - (bottom - top)) // 2 - size // 2
    pad = size // 2
    draw.rounded_rectangle(
        (x - pad, y - pad, x + right - left + pad, y + bottom - top + pad),
        radius=pad,
        fill=(0, 0, 0, 96),
    )
    draw.multiline_text(
        (x - left, y - top),
        block,
        font=font,
        fill=(255, 255, 255),
        spacing=size // 4,
        align="center",
    )
    details = [request.model, request.ratio_label]
    if request.resolution:
        details.append(request.resolution)
    small = _font(max(9, size * 2 // 5))
    footer = "KIE emulator · " + " · ".join(details)
    draw.text(
        (size // 2, height - size // 2), footer, font=small, fill=(255, 255, 255, 200), anchor="ls"
    )


@functools.cache
def _font(size: int) -> FontType:
    """DejaVu Sans at `size` px (matplotlib's copy), else Pillow's built-in font."""
    path = _dejavu()
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


@functools.cache
def _dejavu() -> Path | None:
    spec = importlib.util.find_spec("matplotlib")  # found, not imported
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return path
    return None
