"""Small real media files the emulator serves as results, made from nothing but a seed.

- `png`: an RGB gradient tinted by the seed's hash (a minimal PNG encoder: IHDR, one zlib
  IDAT, IEND, CRCs from zlib).
- `gif`: an animated GIF (GIF89a, looping) standing in for video: no MP4 muxer or codec
  ships with the project's dependencies, and Telegram plays GIFs as animations. Its LZW
  stream sends a clear code every `_GIF_RUN` pixels, so codes stay 9 bits wide and need
  no compression logic.
- `wav`: a short 16-bit mono sine tone (stdlib `wave`), its pitch from the seed.

Same seed, same bytes. Content types are in `CONTENT_TYPES`.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave
import zlib

CONTENT_TYPES = {"png": "image/png", "gif": "image/gif", "wav": "audio/wav"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_GIF_RUN = 250  # pixels between LZW clear codes (the table never passes 9-bit codes)


def colour_of(seed: str) -> tuple[int, int, int]:
    """An RGB colour from a seed (a prompt): the first three bytes of its SHA-256."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return digest[0], digest[1], digest[2]


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(seed: str, width: int = 64, height: int = 64) -> bytes:
    """A `width` x `height` RGB PNG: a diagonal gradient from black to the seed's colour."""
    if width < 1 or height < 1:
        raise ValueError("a PNG needs at least one pixel")
    red, green, blue = colour_of(seed)
    span = max(1, width + height - 2)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            level = (x + y) / span
            rows += bytes((int(red * level), int(green * level), int(blue * level)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _palette(seed: str) -> bytes:
    red, green, blue = colour_of(seed)
    return b"".join(bytes((red * i // 255, green * i // 255, blue * i // 255)) for i in range(256))


def _lzw_uncompressed(indices: bytes) -> bytes:
    """GIF LZW data (minimum code size 8) that a decoder reads back as `indices`."""
    clear, end = 256, 257
    codes: list[int] = []
    for start in range(0, len(indices), _GIF_RUN):
        codes.append(clear)
        codes.extend(indices[start : start + _GIF_RUN])
    codes.append(end)
    out = bytearray()
    buffer = bits = 0
    for code in codes:
        buffer |= code << bits
        bits += 9
        while bits >= 8:
            out.append(buffer & 0xFF)
            buffer >>= 8
            bits -= 8
    if bits:
        out.append(buffer & 0xFF)
    blocks = bytearray()
    for start in range(0, len(out), 255):
        piece = out[start : start + 255]
        blocks.append(len(piece))
        blocks += piece
    return bytes(blocks) + b"\x00"


def _frame(width: int, height: int, index: int, frames: int) -> bytes:
    bar = width * index // frames
    pixels = bytes(
        255 if abs(x - bar) < max(2, width // 8) else (y * 200) // max(1, height - 1)
        for y in range(height)
        for x in range(width)
    )
    control = b"\x21\xf9\x04\x00" + struct.pack("<H", 10) + b"\x00\x00"  # 0.1 s per frame
    descriptor = b"\x2c" + struct.pack("<HHHH", 0, 0, width, height) + b"\x00"
    return control + descriptor + b"\x08" + _lzw_uncompressed(pixels)


def gif(seed: str, width: int = 64, height: int = 36, frames: int = 8) -> bytes:
    """A looping animated GIF: a bright bar sweeping over a gradient in the seed's colour."""
    if width < 1 or height < 1 or frames < 1:
        raise ValueError("a GIF needs at least one pixel and one frame")
    screen = struct.pack("<HH", width, height) + b"\xf7\x00\x00"  # 256-colour global table
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    body = b"".join(_frame(width, height, i, frames) for i in range(frames))
    return b"GIF89a" + screen + _palette(seed) + loop + body + b"\x3b"


def wav(seed: str, seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A mono 16-bit PCM WAV: a sine tone between 220 and 880 Hz chosen by the seed."""
    red, green, _ = colour_of(seed)
    frequency = 220 + (red * 256 + green) % 660
    count = max(1, int(seconds * rate))
    samples = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * n / rate)))
        for n in range(count)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples)
    return out.getvalue()
