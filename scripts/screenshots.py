"""Screenshots of the running shop in headless Chromium (Debian's `chromium`), for a look as a user.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 [photo.jpg]

Without a photo, a customer-style photo is made from Fashion-MNIST test image 28 (an ankle boot
on a patterned floor, ``recommender.customer_photos``). At 1366 x 900 and at 390 x 844 (a phone)
it writes home, category, product and find-by-photo screenshots to ./var/screenshots/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def customer_photo(path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from catalog import fashion_mnist as fm
    from recommender import customer_photos

    _, images, _ = fm.load("test")
    photo = customer_photos.customer_photo(images[28], families=("background", "placement", "light"), seed=2)
    photo.image.save(path, format="JPEG", quality=90)


def main(base: str, photo: str | None, out: Path = Path("var/screenshots")) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if photo is None:
        photo = str(Path(tempfile.mkdtemp()) / "boot.jpg")
        customer_photo(Path(photo))
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, is_mobile=name == "phone", has_touch=name == "phone")
            page.goto(f"{base}/")
            page.screenshot(path=out / f"home-{name}.png")
            page.goto(f"{base}/c/ankle-boot/")
            page.screenshot(path=out / f"category-{name}.png")
            page.click(".product-card a >> nth=0")
            page.wait_for_selector("#similar")
            page.screenshot(path=out / f"product-{name}.png", full_page=True)
            page.goto(f"{base}/search/photo/")
            page.set_input_files("input[type=file] >> nth=0", photo)
            page.wait_for_selector(".prediction", timeout=60_000)
            page.wait_for_timeout(500)
            page.screenshot(path=out / f"search-{name}.png", full_page=name == "desktop")
            page.close()
        browser.close()
    print(f"Screenshots in {out}/")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000", sys.argv[2] if len(sys.argv) > 2 else None)
