"""Screenshots of the running shop in headless Chromium (Debian's `chromium`), for a look as a user.

    .venv/bin/pip install playwright   # the Python driver only; the browser is /usr/bin/chromium
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 recommender/tests/data/fmnist_t10k_0000_ankle_boot.png

Writes home.png, category.png, product.png and search.png to ./var/screenshots/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(base: str, photo: str, out: Path = Path("var/screenshots")) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/")
        page.screenshot(path=out / "home.png")
        page.click(".category-tiles a >> nth=7")
        page.screenshot(path=out / "category.png")
        page.click(".product-card a >> nth=0")
        page.wait_for_selector("#similar")
        page.screenshot(path=out / "product.png", full_page=True)
        page.goto(f"{base}/search/photo/")
        page.set_input_files("input[type=file]", photo)
        page.click("button[type=submit]")
        page.wait_for_selector(".prediction")
        page.screenshot(path=out / "search.png", full_page=True)
        browser.close()
    print(f"Screenshots in {out}/")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
