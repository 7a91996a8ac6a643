"""Validation and decoding of uploaded images (product photos and find-by-photo queries).

Decoding is Pillow's; this module only enforces the shop's limits before and during decoding.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import PurePath
from typing import IO

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from core.limits import upload_max_bytes, upload_max_bytes_text, upload_max_pixels, upload_max_pixels_text

from .exceptions import InvalidImage

# What a file is, is read from its content, never its name: a PNG saved as "photo.jpg" by a
# messaging app is a PNG. A phone's MPO (a JPEG with further pictures after the first, which
# Pillow opens as "MPO") is a JPEG: its first picture is the photo.
_FORMAT_ALIASES = {"MPO": "JPEG"}


#: Leading bytes of image formats shoppers and sellers try that are not accepted, to name them in
#: the refusal without letting their Pillow parsers read the upload (security review L4).
_REFUSED_SIGNATURES = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def _refused_format_name(file: IO[bytes]) -> str | None:
    """The name of a known, refused image format ``file`` starts with ("GIF", "HEIC"), or None."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"heif"):
        return "HEIC"
    return next((name for signature, name in _REFUSED_SIGNATURES if head.startswith(signature)), None)


def _open_formats() -> tuple[str, ...]:
    """The Pillow formats ``Image.open`` may try: ``IMAGE_UPLOAD_FORMATS`` (Pillow's JPEG opener
    also reads MPO)."""
    return tuple(settings.IMAGE_UPLOAD_FORMATS)


def _file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    file.seek(0)
    return int(size)


def image_open_validated(
    file: IO[bytes], *, name: str | None = None, max_side: int | None = None, max_pixels: int | None = None
) -> Image.Image:
    """Decode an uploaded image completely, enforcing the upload limits: see
    ``image_open_validated_with_format``, which this is without the format.

    Returns a fully loaded ``PIL.Image.Image`` in RGB mode (transparent areas on white).
    Raises ``InvalidImage`` with a message fit to show the uploader.
    """
    return image_open_validated_with_format(file, name=name, max_side=max_side, max_pixels=max_pixels)[0]


def image_open_validated_with_format(
    file: IO[bytes], *, name: str | None = None, max_side: int | None = None, max_pixels: int | None = None
) -> tuple[Image.Image, str]:
    """Decode an uploaded image completely, enforcing the upload limits.

    Checks, in order: not empty; at most ``IMAGE_UPLOAD_MAX_BYTES`` (10 MB); a format in
    ``IMAGE_UPLOAD_FORMATS`` (JPEG, PNG, WebP; a phone's MPO counts as JPEG) read from the
    content, whatever the file is called (``name`` is not used to decide; it is kept for
    callers' messages); at most ``IMAGE_UPLOAD_MAX_PIXELS`` (40 megapixels) read from the
    header *before* decoding, so a decompression bomb is never expanded; then a full decode, so
    a truncated file is refused. EXIF orientation is applied; animated and multi-picture images
    give their first frame.

    With ``max_side`` (pixels), memory stays bounded whatever the upload: a JPEG is decoded at
    the smallest DCT scale (1/2 to 1/8) that keeps its longest side at least ``max_side``
    (Pillow's ``draft``), and any image is downscaled to at most ``max_side`` right after
    decoding, before orientation and colour conversion copy it. ``max_pixels`` replaces
    ``IMAGE_UPLOAD_MAX_PIXELS`` for images that are decoded whole (PNG, WebP; a JPEG with
    ``max_side`` keeps the upload limit: it is never decoded whole).

    Returns ``(image, format)``: a fully loaded ``PIL.Image.Image`` in RGB mode (transparent
    areas on white) and the detected format, one of ``IMAGE_UPLOAD_FORMATS`` ("PNG" for a PNG
    named ``.jpg``, "JPEG" for an MPO). Raises ``InvalidImage`` with a message fit to show the
    uploader.
    """
    size = _file_size(file)
    if size == 0:
        raise InvalidImage("The file is empty.")
    max_bytes = upload_max_bytes()
    if size > max_bytes:
        raise InvalidImage(f"The file is too large ({size:,} bytes); the limit is {upload_max_bytes_text()}.")
    name = name if name is not None else getattr(file, "name", None)
    upload_pixels = upload_max_pixels()
    with warnings.catch_warnings():
        # Pillow warns (and past twice its limit, errors) on huge images: treat both as refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Only the accepted formats' parsers read untrusted bytes (not TIFF, PSD, EPS, ...).
            image: Image.Image = Image.open(file, formats=_open_formats())
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Pillow's own limit (~89 megapixels) is above ours, so this image is over ours too.
            raise InvalidImage(f"The image has too many pixels; the limit is {upload_max_pixels_text()}.") from None
        except (UnidentifiedImageError, OSError):
            refused = _refused_format_name(file)
            if refused is not None:
                raise InvalidImage(f"{refused} images are not accepted; upload a JPEG, PNG or WebP image.") from None
            raise InvalidImage("The file is not a JPEG, PNG or WebP image.") from None
        fmt = _FORMAT_ALIASES.get(image.format or "", image.format or "")
        if fmt not in settings.IMAGE_UPLOAD_FORMATS:
            raise InvalidImage(f"{image.format or 'This'} images are not accepted; upload a JPEG, PNG or WebP image.")
        width, height = image.size
        if width < 1 or height < 1:
            raise InvalidImage("The image has no pixels.")
        reduced = max_side is not None and fmt == "JPEG"
        limit = upload_pixels if max_pixels is None or reduced else min(max_pixels, upload_pixels)
        if width * height > limit:
            limit_text = upload_max_pixels_text() if limit == upload_pixels else f"{limit / 1e6:g} megapixels"
            raise InvalidImage(
                f"The image is {width}×{height} ({width * height / 1e6:.1f} megapixels); the limit is {limit_text}."
            )
        try:
            if reduced:
                assert max_side is not None
                image.draft("RGB", (max_side, max_side))
            image.load()
            if max_side is not None and max(image.size) > max_side:
                # reducing_gap: a cheap box reduce() first, then the filter on the small image.
                image.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
            image = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InvalidImage("The image is damaged or incomplete and cannot be read.") from exc
    return image_to_rgb(image), fmt


def image_to_rgb(image: Image.Image) -> Image.Image:
    """Convert any mode to RGB, compositing transparency onto white (a shop background)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def file_sha256(file: IO[bytes]) -> str:
    """Hex SHA-256 of a file's bytes; leaves the file at position 0."""
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


_STORED_FORMATS = {
    ".png": ("PNG", ".png"),
    ".jpg": ("JPEG", ".jpg"),
    ".jpeg": ("JPEG", ".jpg"),
    ".webp": ("WEBP", ".webp"),
}
_STORED_EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}


def image_encode_stored(image: Image.Image, *, name: str, fmt: str | None = None) -> tuple[bytes, str, tuple[int, int]]:
    """Re-encode a validated photo (from ``image_open_validated``) for storage.

    The stored file is written by Pillow from decoded pixels, never copied from the upload: no
    EXIF/GPS or other metadata, no trailing payload, orientation already applied, and at most
    ``PRODUCT_IMAGE_MAX_SIDE`` pixels on the longest side (Lanczos). The format is ``fmt``, the
    upload's detected format (``image_open_validated_with_format``), else the name's extension's:
    PNG stays lossless, JPEG and WebP at quality 90.
    Returns ``(bytes, file name, (width, height))``: the name keeps its stem and gets the
    format's extension ("photo.jpg" holding a PNG is stored as "photo.png"); the size is the
    stored image's, in pixels.
    """
    path = PurePath(name or "photo.jpg")
    if fmt in _STORED_EXTENSIONS:
        extension = _STORED_EXTENSIONS[fmt]
    else:
        fmt, extension = _STORED_FORMATS.get(path.suffix.lower(), ("JPEG", ".jpg"))
    image = image.copy()
    limit = settings.PRODUCT_IMAGE_MAX_SIDE
    if max(image.size) > limit:
        image.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    options = {} if fmt == "PNG" else {"quality": 90}  # PNG: zlib level 6 (optimize=True costs 6x the time)
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue(), f"{path.stem or 'photo'}{extension}", image.size
