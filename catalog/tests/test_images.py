from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.exceptions import InvalidImage
from catalog.images import (
    file_sha256,
    image_encode_stored,
    image_open_validated,
    image_open_validated_with_format,
    image_to_rgb,
)

from .image_files import BAD_UPLOADS, encode, mpo_photo, photo, png_with_header_size


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("JPEG", "shoe.jpg"), ("JPEG", "shoe.JPEG"), ("PNG", "shoe.png"), ("WEBP", "shoe.webp")],
)
def test_image_open_validated_accepts_jpeg_png_webp(fmt, name):
    image = image_open_validated(io.BytesIO(photo(fmt)), name=name)

    assert image.mode == "RGB"
    assert image.size == (224, 224)
    # Decoded: the photo's white background (lossy formats: nearly white).
    corner = image.getpixel((0, 0))
    assert isinstance(corner, tuple)
    assert min(corner) >= 250


def test_image_open_validated_png_keeps_exact_pixels(fashion_mnist_sample):
    image = image_open_validated(io.BytesIO(photo("PNG", row=7)), name="a.png")

    assert image.tobytes() == fashion_mnist_sample.photo("train", 7).tobytes()


@pytest.mark.parametrize("name", ["photo.jpg", "photo", "IMG_0001.HEIC", "photo.webp"])
def test_a_png_is_accepted_by_its_content_whatever_its_name(name, fashion_mnist_sample):
    upload = SimpleUploadedFile(name, photo("PNG", row=3), content_type="image/jpeg")

    image, fmt = image_open_validated_with_format(upload, name=upload.name)

    assert fmt == "PNG"
    assert image.mode == "RGB"
    assert image.tobytes() == fashion_mnist_sample.photo("train", 3).tobytes()


def test_a_phones_mpo_jpeg_is_accepted_as_a_jpeg_of_its_first_picture():
    data = mpo_photo(row=2)
    assert Image.open(io.BytesIO(data)).format == "MPO"

    image, fmt = image_open_validated_with_format(io.BytesIO(data), name="IMG_2001.JPG")

    assert fmt == "JPEG"
    assert image.size == (224, 224)
    corner = image.getpixel((0, 0))  # the first picture's white background, not the blue second one
    assert isinstance(corner, tuple) and min(corner) >= 250


def test_a_stored_photo_takes_its_detected_format_and_extension():
    image, fmt = image_open_validated_with_format(io.BytesIO(photo("PNG")), name="photo.jpg")

    data, stored_name, size = image_encode_stored(image, name="photo.jpg", fmt=fmt)

    assert stored_name == "photo.png"
    assert Image.open(io.BytesIO(data)).format == "PNG"
    assert size == (224, 224)


def test_image_open_validated_without_name_skips_the_extension_check():
    image = image_open_validated(io.BytesIO(photo("PNG")))

    assert image.size == (224, 224)


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_image_open_validated_refuses_bad_uploads(case):
    bad = BAD_UPLOADS[case]

    with pytest.raises(InvalidImage) as excinfo:
        image_open_validated(io.BytesIO(bad.content()), name=bad.name)

    assert str(excinfo.value) == bad.message


def test_pixel_limit_is_inclusive(settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 100
    at_limit = encode(Image.new("RGB", (10, 10), "red"), "PNG")
    over = encode(Image.new("RGB", (11, 10), "red"), "PNG")

    assert image_open_validated(io.BytesIO(at_limit), name="a.png").size == (10, 10)
    with pytest.raises(InvalidImage, match="^The image is 11×10 "):
        image_open_validated(io.BytesIO(over), name="b.png")


def test_byte_limit_is_inclusive(settings):
    data = photo("PNG")
    settings.IMAGE_UPLOAD_MAX_BYTES = len(data)

    assert image_open_validated(io.BytesIO(data), name="a.png").size == (224, 224)
    expected = f"The file is too large ({len(data) + 1:,} bytes); the limit is {len(data) / 1024 / 1024:g} MB."
    with pytest.raises(InvalidImage) as caught:
        image_open_validated(io.BytesIO(data + b"\0"), name="a.png")
    assert str(caught.value) == expected


def test_bomb_is_refused_before_decoding():
    # A 50,000×50,000 header in a 68-byte file: decoding would need 2.5 GB.
    data = png_with_header_size(50_000, 50_000)
    assert len(data) < 100

    with pytest.raises(InvalidImage, match="too many pixels"):
        image_open_validated(io.BytesIO(data), name="bomb.png")


def test_exif_orientation_is_applied():
    # 40×20 stored, EXIF orientation 6 ("rotate 90° clockwise to display") → 20×40.
    image = Image.new("RGB", (40, 20), "white")
    image.paste((0, 0, 0), (0, 0, 10, 20))  # black band on the left as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(image, "JPEG", exif=exif, quality=95)

    result = image_open_validated(io.BytesIO(data), name="phone.jpg")

    assert result.size == (20, 40)
    # After a clockwise turn the stored left band is at the top.
    top, bottom = result.getpixel((10, 2)), result.getpixel((10, 37))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert max(top) < 40
    assert min(bottom) > 215


def test_animated_webp_gives_its_first_frame():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:], lossless=True)

    result = image_open_validated(io.BytesIO(buffer.getvalue()), name="anim.webp")

    assert result.size == (16, 16)
    assert result.getpixel((8, 8)) == (255, 0, 0)


def test_image_to_rgb_composites_transparency_on_white():
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    rgba.putpixel((0, 0), (10, 20, 30, 255))

    rgb = image_to_rgb(rgba)

    assert rgb.mode == "RGB"
    assert rgb.getpixel((0, 0)) == (10, 20, 30)
    assert rgb.getpixel((3, 3)) == (255, 255, 255)


def test_transparent_png_upload_is_on_white():
    rgba = Image.new("RGBA", (8, 8), (255, 0, 0, 0))

    result = image_open_validated(io.BytesIO(encode(rgba, "PNG")), name="t.png")

    assert result.getpixel((4, 4)) == (255, 255, 255)


def test_file_sha256_hashes_all_bytes_and_rewinds():
    data = photo("PNG")
    handle = io.BytesIO(data)
    handle.seek(100)

    assert file_sha256(handle) == hashlib.sha256(data).hexdigest()
    assert handle.tell() == 0


def test_a_tiff_named_jpg_is_refused_without_its_parser_reading_it(monkeypatch: pytest.MonkeyPatch):
    """Security review L4: only the accepted formats' parsers see an upload's bytes."""
    from PIL import TiffImagePlugin

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, format="TIFF")
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "TIFF"  # Pillow reads it when asked
    calls: list[object] = []
    original = TiffImagePlugin.TiffImageFile._open

    def spy(self: TiffImagePlugin.TiffImageFile) -> None:
        calls.append(self)
        original(self)

    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "_open", spy)

    with pytest.raises(InvalidImage, match="^TIFF images are not accepted; upload a JPEG, PNG or WebP image.$"):
        image_open_validated(io.BytesIO(buffer.getvalue()), name="photo.jpg")
    assert calls == []
