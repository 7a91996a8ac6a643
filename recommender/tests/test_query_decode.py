"""A find-by-photo upload is decoded with bounded memory (security review H3): a 40 MP JPEG
never becomes 40 MP of pixels, and a PNG, which must be decoded whole, has a lower pixel cap."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from catalog.exceptions import InvalidImage
from recommender.services import query_image_open

ROOT = Path(__file__).resolve().parents[2]

# A fresh process decodes the file, so its peak RSS growth (ru_maxrss, KiB) is that decode's.
_CHILD = """
import io, json, os, resource, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
import django
django.setup()
from PIL import Image
from recommender.services import query_image_open
warm = io.BytesIO()
Image.new("RGB", (64, 64), (200, 30, 30)).save(warm, "JPEG")
query_image_open(file=warm, name="warm.jpg")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], "rb") as handle:
    image = query_image_open(file=handle, name="big.jpg")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_mib": (after - before) / 1024, "size": image.size, "mode": image.mode}))
"""


def test_a_40_megapixel_jpeg_query_is_decoded_small_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (8000, 5000), (120, 60, 30)).save(path, "JPEG", quality=80)
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["size"] == [1024, 640]
    assert answer["mode"] == "RGB"
    # Decoded whole, 40 MP of RGB is 114 MiB, and the conversions copied it (~310 MB measured);
    # at the 1/4 DCT scale it is 2000x1250 (7 MiB) before the downscale.
    assert answer["growth_mib"] < 40


def test_a_png_query_over_the_search_pixel_cap_is_refused_before_decoding(settings) -> None:
    settings.PHOTO_SEARCH_MAX_PIXELS = 16_000_000
    big = io.BytesIO()
    Image.new("RGB", (5000, 4000), (255, 255, 255)).save(big, "PNG")
    with pytest.raises(InvalidImage) as refused:
        query_image_open(file=big, name="q.png")
    assert str(refused.value) == "The image is 5000×4000 (20.0 megapixels); the limit is 16 megapixels."


def test_a_png_query_under_the_cap_is_downscaled_to_the_decode_side(settings) -> None:
    settings.PHOTO_SEARCH_DECODE_SIDE = 1024
    png = io.BytesIO()
    Image.new("RGBA", (3000, 1500), (10, 20, 30, 0)).save(png, "PNG")
    image = query_image_open(file=png, name="q.png")
    assert (image.size, image.mode) == ((1024, 512), "RGB")
    assert image.getpixel((0, 0)) == (255, 255, 255)  # transparency on white, as before
