"""Fashion-MNIST (Zalando Research, MIT licence) as a source of real product photos.

70,000 grayscale 28×28 product images in 10 categories (60,000 train, 10,000 test), read from
the idx files of Debian's ``dataset-fashion-mnist`` package, which is fetched without root
(``apt-get download`` + ``dpkg-deb -x``) when the files are not already on disk.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from catalog.colours import PALETTE
from catalog.sizes import SizeRun, run_sizes

# Label index → (category name, slug, demo base price).
CATEGORIES: list[tuple[str, str, Decimal]] = [
    ("T-shirt/top", "t-shirt-top", Decimal("14.99")),
    ("Trouser", "trouser", Decimal("39.99")),
    ("Pullover", "pullover", Decimal("34.99")),
    ("Dress", "dress", Decimal("49.99")),
    ("Coat", "coat", Decimal("89.99")),
    ("Sandal", "sandal", Decimal("29.99")),
    ("Shirt", "shirt", Decimal("24.99")),
    ("Sneaker", "sneaker", Decimal("59.99")),
    ("Bag", "bag", Decimal("44.99")),
    ("Ankle boot", "ankle-boot", Decimal("79.99")),
]
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
DEBIAN_PACKAGE = "dataset-fashion-mnist"
FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}


class DatasetUnavailable(RuntimeError):
    """The idx files are not on disk and could not be fetched."""


def dataset_dir(target: Path) -> Path:
    """A directory holding the four idx ``.gz`` files: ``target`` if complete, the system copy
    if the Debian package is installed, else ``target`` after fetching the package into it.
    Raises ``DatasetUnavailable``."""
    for candidate in (target, SYSTEM_DIR):
        if all((candidate / name).exists() for name in FILES.values()):
            return candidate
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["apt-get", "download", DEBIAN_PACKAGE], cwd=tmp, check=True, capture_output=True)
            (deb,) = Path(tmp).glob(f"{DEBIAN_PACKAGE}_*.deb")
            subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError, ValueError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            raise DatasetUnavailable(
                f"Fashion-MNIST is not in {target} and `apt-get download {DEBIAN_PACKAGE}` failed "
                f"({exc}; {detail.decode(errors='replace').strip()}). Put the four idx .gz files there by hand."
            ) from exc
        extracted = Path(tmp) / "x" / SYSTEM_DIR.relative_to("/")
        for name in FILES.values():
            shutil.copyfile(extracted / name, target / name)
    return target


def load(split: str, *, data_dir: Path | None = None) -> tuple[Path, np.ndarray, np.ndarray]:
    """``split`` ("train" or "test") from ``data_dir`` (default ``settings.FASHION_MNIST_DIR``),
    fetching the Debian package there when needed: (directory, images uint8 (n, 28, 28),
    labels uint8 (n,)). Raises ``DatasetUnavailable``."""
    from django.conf import settings

    directory = dataset_dir(Path(data_dir or settings.FASHION_MNIST_DIR))
    images, labels = load_split(directory, split)
    return directory, images, labels


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:  # unsigned byte
        raise DatasetUnavailable(f"{path} is not an idx file of unsigned bytes.")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``split`` "train" or "test" → (images uint8 (n, 28, 28), light-on-dark; labels uint8 (n,))."""
    images = _read_idx(directory / FILES[(split, "images")])
    labels = _read_idx(directory / FILES[(split, "labels")])
    if len(images) != len(labels):
        raise DatasetUnavailable(f"{split}: {len(images)} images but {len(labels)} labels.")
    return images, labels


def balanced_indices(labels: np.ndarray, per_category: int, *, offset: int = 0) -> np.ndarray:
    """The first ``per_category`` indices of each label (after skipping ``offset`` of each), sorted."""
    chosen = [np.flatnonzero(labels == label)[offset : offset + per_category] for label in range(len(CATEGORIES))]
    return np.sort(np.concatenate(chosen))


#: The demo catalog's colours: the shop palette (:mod:`catalog.colours`).
SHOP_COLOURS: list[tuple[str, tuple[int, int, int]]] = PALETTE


def item_alpha(pixels: np.ndarray) -> np.ndarray:
    """float32 (h, w) in [0, 1]: how much of each pixel of a light-on-dark Fashion-MNIST image
    is the item (its intensity, saturating at 64 of 255)."""
    return np.clip(np.asarray(pixels, dtype=np.float32) / 64.0, 0.0, 1.0)


def dye(pixels: np.ndarray, colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Dye a light-on-dark image (uint8 or float (h, w), 0-255) in ``colour`` (sRGB 0-255).

    The item keeps the photo's shading as relative brightness (60-100 % of the colour, from its
    darkest to its lightest part); returns (rgb float32 (h, w, 3) in [0, 1], alpha float32 (h, w))."""
    ink = np.asarray(pixels, dtype=np.float32) / 255.0
    alpha = item_alpha(pixels)
    light = 1.0 - ink
    inside = alpha > 0.5
    top = float(light[inside].max()) if inside.any() else 1.0
    shade = 0.6 + 0.4 * np.clip(light / max(top, 1e-3), 0.0, 1.0)
    rgb = np.asarray(colour, dtype=np.float32)[None, None, :] / 255.0 * shade[..., None]
    return rgb.astype(np.float32), alpha


def to_product_photo(pixels: np.ndarray, *, size: int = 224, colour: tuple[int, int, int] | None = None) -> Image.Image:
    """A 28×28 light-on-dark Fashion-MNIST image as a shop photo, RGB ``size``×``size``: inverted
    to dark-on-white (``colour=None``), or dyed in ``colour`` (see :func:`dye`) on white; upscaled
    with Lanczos."""
    if colour is None:
        image = ImageOps.invert(Image.fromarray(pixels, mode="L"))
        return image.resize((size, size), Image.Resampling.LANCZOS).convert("RGB")
    big = np.asarray(Image.fromarray(pixels, mode="L").resize((size, size), Image.Resampling.LANCZOS))
    rgb, alpha = dye(big, colour)
    out = alpha[..., None] * rgb + (1.0 - alpha[..., None])
    return Image.fromarray(np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="RGB")


def product_colour(index: int) -> tuple[str, tuple[int, int, int]]:
    """The demo colour of train image ``index``: deterministic, spread evenly over the palette."""
    return SHOP_COLOURS[(index * 7 + index // 12) % len(SHOP_COLOURS)]


#: How each category is named in a product's name and description (singular, lower case).
_NOUNS = ["T-shirt", "trousers", "pullover", "dress", "coat", "sandals", "shirt", "sneakers", "bag", "ankle boots"]
_BLURBS = [
    "An everyday top with short sleeves.",
    "Full-length trousers for every day.",
    "A warm knitted pullover.",
    "A dress for day and evening.",
    "A coat for cold and wet days.",
    "Open sandals for warm days.",
    "A shirt with a collar, for work or weekend.",
    "Sneakers with a cushioned sole.",
    "A bag with room for the day's things.",
    "Ankle boots that go with everything.",
]


def product_name(label: int, colour_name: str) -> str:
    """A shop-style product name: the colour and the category, e.g. ``"Burgundy ankle boots"``."""
    return f"{colour_name} {_NOUNS[label]}"


def product_description(label: int, colour_name: str, index: int) -> str:
    """A description built from category and colour, crediting the source photo."""
    return (
        f"{_BLURBS[label]} Colour: {colour_name.lower()}. Category: {CATEGORIES[label][0]}. "
        f"Photo: Fashion-MNIST train image {index} (Zalando Research, MIT), dyed {colour_name.lower()}."
    )


def demo_price(label: int, index: int) -> Decimal:
    """A deterministic demo price: the category's base price ± up to $5, by image index."""
    return CATEGORIES[label][2] + Decimal((index * 7919) % 11 - 5)


def demo_stock(index: int) -> int:
    """Deterministic demo stock, 0-24 (about 1 product in 25 is sold out)."""
    return (index * 31) % 25


#: Each category's size run, by label (catalog.sizes): tops, dresses and coats XS-XXL, trousers
#: by waist, sandals, sneakers and boots EU 36-46, bags one size.
SIZE_RUNS: list[str] = [
    SizeRun.APPAREL,  # T-shirt/top
    SizeRun.WAIST,  # Trouser
    SizeRun.APPAREL,  # Pullover
    SizeRun.APPAREL,  # Dress
    SizeRun.APPAREL,  # Coat
    SizeRun.FOOTWEAR,  # Sandal
    SizeRun.APPAREL,  # Shirt
    SizeRun.FOOTWEAR,  # Sneaker
    SizeRun.ONE_SIZE,  # Bag
    SizeRun.FOOTWEAR,  # Ankle boot
]


def demo_sizes(label: int, index: int) -> list[tuple[str, int]]:
    """Deterministic demo sizes of train image ``index`` as ``[(size, stock), ...]`` in the
    run's order: every size of the category's run (``SIZE_RUNS``), each with 0-8 units (about
    one size in nine sold out; the middle sizes hold more). A product whose ``demo_stock`` is 0
    is sold out in every size; a bag has one size holding ``demo_stock``."""
    sizes = run_sizes(SIZE_RUNS[label])
    if sizes == ("",):
        return [("", demo_stock(index))]
    if demo_stock(index) == 0:
        return [(size, 0) for size in sizes]
    middle = (len(sizes) - 1) / 2
    stock = []
    for i, size in enumerate(sizes):
        units = (index * 31 + i * 17) % 9
        if units and abs(i - middle) < len(sizes) / 4:
            units += 2  # the common sizes are stocked deeper
        stock.append((size, units))
    return stock
