"""The result files the emulator makes are valid media, decoded here independently."""

from __future__ import annotations

import io
import struct
import wave
import zlib

import pytest

from trt_actors.emulators.kie import PNG_SIGNATURE, gif, png, wav


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == PNG_SIGNATURE
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        position += 12 + length
    return chunks


def test_png_is_valid_and_seeded() -> None:
    data = png("a red fox", 20, 10)
    chunks = png_chunks(data)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (width, height, depth, colour, interlace) == (20, 10, 8, 2, 0)
    rows = zlib.decompress(chunks[1][1])
    assert len(rows) == height * (1 + width * 3)
    assert all(rows[y * 61] == 0 for y in range(height))  # filter byte per row
    assert png("a red fox", 20, 10) == data and png("a blue fox", 20, 10) != data
    with pytest.raises(ValueError):
        png("x", 0, 1)


def lzw_decode(data: bytes, min_size: int) -> bytes:
    """A plain GIF LZW decoder (variable code width), independent of the encoder."""
    clear, end = 1 << min_size, (1 << min_size) + 1
    width, table, out, previous = min_size + 1, {}, bytearray(), None
    bits = value = 0
    stream = iter(data)
    while True:
        while bits < width:
            value |= next(stream) << bits
            bits += 8
        code = value & ((1 << width) - 1)
        value >>= width
        bits -= width
        if code == clear:
            table = {i: bytes([i]) for i in range(clear)}
            width, previous = min_size + 1, None
            continue
        if code == end:
            return bytes(out)
        if code in table:
            entry = table[code]
        else:
            assert previous is not None
            entry = previous + previous[:1]
        out += entry
        if previous is not None:
            table[len(table) + 2] = previous + entry[:1]
            if len(table) + 2 == 1 << width and width < 12:
                width += 1
        previous = entry


def gif_frames(data: bytes) -> tuple[int, int, list[bytes]]:
    assert data[:6] == b"GIF89a" and data[-1:] == b"\x3b"
    width, height, flags = struct.unpack("<HHB", data[6:11])
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = []
    while data[position] != 0x3B:
        if data[position] == 0x21:  # extension: skip its sub-blocks
            position += 2
            while data[position]:
                position += data[position] + 1
            position += 1
            continue
        assert data[position] == 0x2C
        frame_w, frame_h = struct.unpack("<HH", data[position + 5 : position + 9])
        min_size = data[position + 10]
        position += 11
        blocks = bytearray()
        while data[position]:
            blocks += data[position + 1 : position + 1 + data[position]]
            position += data[position] + 1
        position += 1
        pixels = lzw_decode(bytes(blocks), min_size)
        assert len(pixels) == frame_w * frame_h
        frames.append(pixels)
    return width, height, frames


def test_gif_is_a_valid_animation() -> None:
    width, height, frames = gif_frames(gif("sunrise", 40, 20, 6))
    assert (width, height, len(frames)) == (40, 20, 6)
    assert len(set(frames)) == 6  # the bar moves


def test_wav_is_valid_pcm() -> None:
    data = wav("a song", seconds=0.5, rate=8000)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 8000)
        assert reader.getnframes() == 4000
        samples = reader.readframes(4000)
    assert any(samples) and wav("a song", 0.5) == data
