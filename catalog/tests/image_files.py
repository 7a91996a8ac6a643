"""Upload files for validation tests: good JPEG/PNG/WebP photos and every kind of bad upload.

Each builder returns the bytes of a file; ``BAD_UPLOADS`` pairs each bad upload with the file
name it is sent as and the exact message ``catalog.images.image_open_validated`` gives.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from .sample import load_sample


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def photo(fmt: str = "PNG", row: int = 0) -> bytes:
    """A real catalog photo (Fashion-MNIST train row ``row``) encoded as ``fmt``."""
    image = load_sample().photo("train", row)
    options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    return encode(image, fmt, **options)


def mpo_photo(row: int = 0) -> bytes:
    """A phone's multi-picture JPEG (MPO): the catalog photo of ``row`` first, a second,
    different picture after it (as a phone's depth or preview frame), as Pillow writes them."""
    first = load_sample().photo("train", row)
    second = Image.new("RGB", first.size, (0, 0, 255))
    data = encode(first, "MPO", save_all=True, append_images=[second], quality=90)
    assert data[:2] == b"\xff\xd8"  # a JPEG file, whatever it is called
    return data


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_header_size(width: int, height: int) -> bytes:
    """A tiny 1-bit PNG whose IHDR claims ``width``×``height`` (valid CRC): the shape of a
    decompression bomb, refused from its header before any decoding."""
    data = encode(Image.new("1", (8, 8)), "PNG")
    assert data[12:16] == b"IHDR"
    length = struct.unpack(">I", data[8:12])[0]
    ihdr = struct.pack(">II", width, height) + data[24 : 16 + length]
    return data[:8] + _png_chunk(b"IHDR", ihdr) + data[16 + length + 4 :]


@functools.cache
def png_60_megapixels() -> bytes:
    """A real, complete 8000×7500 PNG (60 megapixels); 1-bit and blank, so only ~10 KB."""
    return encode(Image.new("1", (8000, 7500), 1), "PNG", optimize=True)


def truncated_png() -> bytes:
    data = photo("PNG")
    return data[: len(data) // 2]


def truncated_jpeg() -> bytes:
    data = photo("JPEG")
    return data[: len(data) // 2]


def gif() -> bytes:
    return encode(load_sample().photo("train", 0).convert("P"), "GIF")


@functools.cache
def over_10_mb() -> bytes:
    """A valid PNG padded after IEND to 10 MiB + 1 byte: refused on size alone."""
    data = photo("PNG")
    return data + b"\0" * (10 * 1024 * 1024 + 1 - len(data))


@dataclass(frozen=True)
class BadUpload:
    name: str
    content: Callable[[], bytes]
    message: str


BAD_UPLOADS: dict[str, BadUpload] = {
    "not_an_image": BadUpload(
        "notes.png", lambda: b"name,price\nshirt,9.99\n" * 20, "The file is not a JPEG, PNG or WebP image."
    ),
    "truncated_png": BadUpload("half.png", truncated_png, "The image is damaged or incomplete and cannot be read."),
    "truncated_jpeg": BadUpload("half.jpg", truncated_jpeg, "The image is damaged or incomplete and cannot be read."),
    "empty": BadUpload("empty.png", lambda: b"", "The file is empty."),
    "60_megapixels": BadUpload(
        "huge.png", png_60_megapixels, "The image is 8000×7500 (60.0 megapixels); the limit is 40 megapixels."
    ),
    "bomb": BadUpload(
        "bomb.png",
        lambda: png_with_header_size(50_000, 50_000),
        "The image has too many pixels; the limit is 40 megapixels.",
    ),
    "bomb_near_pillow_limit": BadUpload(
        "bomb2.png",
        lambda: png_with_header_size(12_000, 10_000),
        "The image has too many pixels; the limit is 40 megapixels.",
    ),
    "gif": BadUpload("animation.gif", gif, "GIF images are not accepted; upload a JPEG, PNG or WebP image."),
    "over_10_mb": BadUpload("big.png", over_10_mb, "The file is too large (10,485,761 bytes); the limit is 10 MB."),
}
