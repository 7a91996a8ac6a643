"""Dominant colours of a product photo, named in the shop palette (:mod:`catalog.colours`).

Only the item's pixels count, not the background: the caller passes the item mask that the
embedding recipe already computed (:func:`recommender.isolation.detect_and_isolate_sampled`), so
naming the colours costs no second detection. The mask is eroded by one pixel first, because the
item's edge is blended with the backdrop (a navy coat's outline on white reads as blue).

Pixels are named in CIE Lab with the CIEDE2000 colour difference (``skimage.color``) against the
palette **under shading**: each palette colour at 60-100 % of its brightness (``SHADES``), since a
photographed item is lit unevenly (its folds and its shadow side are darker versions of the same
colour; the demo dye keeps a photo's shading the same way, :func:`catalog.fashion_mnist.dye`). The
naming is precomputed once per process for every colour quantised to ``LEVELS`` levels per
channel, so a photo's colours cost one table lookup per sampled pixel.

Measured on the demo catalog (``scripts/colour_accuracy.py``): see README, "Colour".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from catalog.colours import PALETTE

#: brightness factors applied to each palette colour: a shaded side of the item is still its colour.
SHADES = (0.6, 0.7, 0.8, 0.9, 1.0)
#: quantisation levels per sRGB channel for the naming table (32: a step of 8/255, far finer than
#: the distance between any two palette colours).
LEVELS = 32
#: at most this many item pixels are named per photo (an even sample), which bounds the cost.
MAX_PIXELS = 2000
#: a colour under this share of the item's pixels is not reported (stitching, a logo, noise).
MIN_SHARE = 0.12
#: an item mask smaller than this fraction of the photo is too little to name colours from.
MIN_ITEM_FRACTION = 0.01
#: at most this many colours per photo.
MAX_COLOURS = 3


@dataclass(frozen=True)
class ColourShare:
    """A palette colour ``name`` covering ``share`` (0-1) of the item's pixels."""

    name: str
    share: float

    def as_dict(self) -> dict[str, str | float]:
        return {"name": self.name, "share": round(self.share, 3)}


@cache
def _naming_table() -> np.ndarray:
    """uint8 (LEVELS**3,): the palette index of each quantised sRGB colour (its nearest shaded
    palette colour by CIEDE2000). About 0.5 s, once per process."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    centres = (np.arange(LEVELS, dtype=np.float32) + 0.5) / LEVELS
    grid = np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), axis=-1).reshape(-1, 3)
    grid_lab = rgb2lab(grid[None, :, :])[0]
    base = np.asarray([rgb for _, rgb in PALETTE], dtype=np.float32) / 255.0
    shaded = np.concatenate([base * shade for shade in SHADES])  # (len(SHADES) * n, 3)
    shaded_lab = rgb2lab(shaded[None, :, :])[0]
    best = np.full(len(grid), np.inf, dtype=np.float64)
    index = np.zeros(len(grid), dtype=np.uint8)
    for i, lab in enumerate(shaded_lab):
        distance = deltaE_ciede2000(grid_lab, np.broadcast_to(lab, grid_lab.shape))
        better = distance < best
        best[better] = distance[better]
        index[better] = i % len(PALETTE)
    return index


def dominant_colours(pixels: np.ndarray) -> list[ColourShare]:
    """The dominant palette colours of ``pixels`` (float (n, 3) sRGB in [0, 1], or uint8 0-255):
    at most ``MAX_COLOURS``, each covering at least ``MIN_SHARE`` of the pixels, largest first.
    ``[]`` for no pixels."""
    rgb = np.asarray(pixels)
    if rgb.ndim != 2 or rgb.shape[1] != 3:
        raise ValueError(f"pixels must have shape (n, 3), not {rgb.shape}")
    if len(rgb) == 0:
        return []
    if rgb.dtype != np.uint8:
        rgb = np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if len(rgb) > MAX_PIXELS:
        rgb = rgb[np.linspace(0, len(rgb) - 1, MAX_PIXELS).astype(np.int64)]
    q = (rgb.astype(np.int64) * LEVELS) // 256
    names = _naming_table()[(q[:, 0] * LEVELS + q[:, 1]) * LEVELS + q[:, 2]]
    counts = np.bincount(names, minlength=len(PALETTE)) / len(names)
    order = np.argsort(-counts, kind="stable")
    chosen = [ColourShare(PALETTE[i][0], float(counts[i])) for i in order[:MAX_COLOURS] if counts[i] >= MIN_SHARE]
    return chosen or [ColourShare(PALETTE[int(order[0])][0], float(counts[order[0]]))]


def item_colours(rgb: np.ndarray, mask: np.ndarray | None) -> list[ColourShare]:
    """The dominant colours of the item in ``rgb`` (float32 (h, w, 3) in [0, 1]) under ``mask``
    (bool (h, w), the item's pixels; eroded by one pixel when enough is left). ``[]`` when the mask
    covers under ``MIN_ITEM_FRACTION`` of the photo: too little to name."""
    if mask is None or np.count_nonzero(mask) < MIN_ITEM_FRACTION * mask.size:
        return []
    from scipy import ndimage

    inner = ndimage.binary_erosion(mask, iterations=1)
    if np.count_nonzero(inner) >= 0.2 * np.count_nonzero(mask):
        mask = inner
    return dominant_colours(rgb[mask])
