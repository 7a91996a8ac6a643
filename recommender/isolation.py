"""Find the product in a shopper's photo, crop to it and neutralise its background.

A phone photo of a product shows a table, a bed or a shop window around it, uneven light and
often a thumb at the edge. The embedder was trained on catalog photos: the item alone on white.
:func:`isolate_item` turns a photo into that form before it is embedded:

1. **Background model** — the photo is downscaled to ``WORK_SIDE`` px; a smooth surface (a
   quadratic polynomial per channel, fitted robustly to the pixels of the outer frame) models
   the background: a tint, a gradient or a vignette.
2. **Foreground** — the CIE Lab colour distance (scikit-image) of every pixel to that model,
   smoothed, above a threshold read from the frame's own distances (so a textured background
   sets a higher bar) and Otsu's threshold (scikit-image), is the item mask; opened, closed
   and hole-filled (SciPy). The largest connected region wins, a region hugging the border
   (a thumb, a table edge) counting for less; regions close to it join it (a pair of sandals).
   **Occluders** — a thumb or a finger that enters from the edge and touches the item joins its
   region. The mask's pixels are split into two colour clusters (2-means in Lab, lightness at a
   quarter weight); the smaller one is painted out when it reaches the frame, is of a colour
   that is neither a shade of the item nor a mix of the item and the backdrop, and its part at
   the frame is one convex blob (:func:`_occluder`).
3. **Crop and neutralise** — the photo is cropped to the mask's bounding box plus a margin and
   everything outside the (softened) mask becomes white, so the embedder sees the item on white.
4. **Canonical pose** (:func:`canonical_pose`) — a photo taken at an angle or with a selfie
   camera shows the item rotated or mirrored; VGG16 features are neither. The crop is turned
   upright (rotated by the angle, within ±45°, whose axis-aligned box around the mask's convex
   hull is smallest, when that box is clearly smaller than the unrotated one) and mirrored so
   that the mask's horizontal skewness is positive (a shoe's toe always points the same way).
   Catalog photos take the same step, so both sides agree on one pose.

The same function runs on catalog photos (already on white: it only crops them), so catalog
and query vectors come from one recipe. A shopper's box (:func:`parse_box`) restricts the search
to that part of the photo first.

Boxes are normalised ``(x0, y0, x1, y1)`` floats in [0, 1], x to the right, y down.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .colour import ColourShare, item_colours

__all__ = [
    "Box",
    "InvalidBox",
    "parse_box",
    "crop_to_box",
    "detect_item",
    "detect_item_box",
    "detect_and_isolate",
    "expand_box",
    "box_within",
    "shopper_crop",
    "isolate_item",
    "canonical_pose",
    "deskew_angle",
    "horizontal_skewness",
    "FULL_BOX",
]

#: side (px) of the downscaled copy the mask is computed on
WORK_SIDE = 112
#: width of the frame that samples the background, as a fraction of the shorter side
FRAME_FRACTION = 0.06
#: margin added around the detected item, as a fraction of the box side
BOX_MARGIN = 0.04
#: regions below this fraction of the work image are noise
MIN_REGION_FRACTION = 0.002
#: candidate rotations (degrees) tried to turn an item upright
DESKEW_ANGLES = np.arange(-45.0, 45.0, 1.0)
#: rotate only when the upright box is this much smaller (relative area) than the unrotated one
DESKEW_MIN_GAIN = 0.02
#: mirror when the mask's horizontal skewness is below minus this (near-symmetric items stay)
MIRROR_SKEWNESS = 0.15


class InvalidBox(ValueError):
    """A box that is not ``"x0,y0,x1,y1"`` with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1."""


@dataclass(frozen=True)
class Box:
    """A normalised box: floats in [0, 1], ``x0 < x1`` and ``y0 < y1``."""

    x0: float
    y0: float
    x1: float
    y1: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)

    def __str__(self) -> str:
        return ",".join(f"{v:.4f}" for v in self.as_tuple())

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)


FULL_BOX = Box(0.0, 0.0, 1.0, 1.0)


def parse_box(value: str) -> Box:
    """``"x0,y0,x1,y1"`` (normalised, in [0, 1]) -> :class:`Box`. Raises :class:`InvalidBox`.

    A box smaller than 1 % of the side in either direction is refused (nothing to search)."""
    parts = [p.strip() for p in str(value).split(",")]
    if len(parts) != 4:
        raise InvalidBox('A box is four numbers "x0,y0,x1,y1" between 0 and 1.')
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        raise InvalidBox('A box is four numbers "x0,y0,x1,y1" between 0 and 1.') from None
    if not all(np.isfinite(v) and 0.0 <= v <= 1.0 for v in (x0, y0, x1, y1)):
        raise InvalidBox("Box coordinates must be between 0 and 1.")
    if x1 - x0 < 0.01 or y1 - y0 < 0.01:
        raise InvalidBox("The box must have x0 < x1 and y0 < y1 (at least 1 % of the photo each way).")
    return Box(x0, y0, x1, y1)


def _box_pixels(box: Box, w: int, h: int) -> tuple[int, int, int, int]:
    """``box`` in the pixels of a ``w`` x ``h`` image: (left, top, right, bottom), at least 1 x 1."""
    left, top = int(np.floor(box.x0 * w)), int(np.floor(box.y0 * h))
    right, bottom = max(left + 1, int(np.ceil(box.x1 * w))), max(top + 1, int(np.ceil(box.y1 * h)))
    return left, top, min(right, w), min(bottom, h)


def crop_to_box(image: Image.Image, box: Box) -> Image.Image:
    """The part of ``image`` inside ``box`` (at least 1 x 1 px)."""
    return image.crop(_box_pixels(box, *image.size))


def _working_copy(image: Image.Image) -> np.ndarray:
    img = image.convert("RGB")
    w, h = img.size
    scale = WORK_SIDE / max(w, h)
    if scale < 1:
        img = img.resize((max(8, round(w * scale)), max(8, round(h * scale))), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.float32) / 255.0


def _frame_mask(h: int, w: int) -> np.ndarray:
    b = max(2, round(FRAME_FRACTION * min(h, w)))
    frame = np.zeros((h, w), dtype=bool)
    frame[:b, :] = frame[-b:, :] = True
    frame[:, :b] = frame[:, -b:] = True
    return frame


def _plain_backdrop(frame_lab: np.ndarray, median: np.ndarray) -> bool:
    """Most of the frame is one colour (a studio backdrop, every catalog photo), though the item
    may touch the frame. ``frame_lab``: the frame's Lab pixels (n, 3); ``median``: their
    per-channel median (3,)."""
    deviation = np.abs(frame_lab - median).max(axis=1)
    return float(np.median(deviation)) < 1.0 and float(np.percentile(deviation, 25)) < 0.5


@functools.lru_cache(maxsize=16)
def _design(h: int, w: int) -> np.ndarray:
    """The quadratic surface's terms (1, x, y, x², xy, y²) at every pixel: float32 (h, w, 6)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xx, yy = xx / max(w - 1, 1) - 0.5, yy / max(h - 1, 1) - 0.5
    design = np.stack([np.ones_like(xx), xx, yy, xx * xx, xx * yy, yy * yy], axis=-1)
    design.flags.writeable = False
    return design


def _background_model(lab: np.ndarray, frame: np.ndarray, *, plain_colour: np.ndarray | None) -> np.ndarray:
    """A quadratic surface per CIE Lab channel fitted to the frame pixels (robust passes that
    drop the frame pixels far from the fit: a thumb or the item touching the edge); everywhere
    ``plain_colour`` (Lab, (3,)) when the backdrop is plain (:func:`_plain_backdrop`)."""
    h, w, _ = lab.shape
    if plain_colour is not None:
        return np.broadcast_to(plain_colour, lab.shape)
    b = lab[frame]
    design = _design(h, w)
    a = design[frame]
    keep = np.ones(len(a), dtype=bool)
    coef = np.zeros((6, 3), dtype=np.float32)
    for _ in range(3):
        ak = a[keep]
        # normal equations (6 x 6): far quicker than an SVD for a least-squares fit this small
        coef = np.linalg.solve(ak.T @ ak + 1e-6 * np.eye(6, dtype=np.float32), ak.T @ b[keep])
        residual = np.linalg.norm(b - a @ coef, axis=1)
        centre = np.median(residual[keep])
        cutoff = centre + 2.5 * 1.4826 * np.median(np.abs(residual[keep] - centre))
        new_keep = residual <= max(cutoff, 2.0)
        if new_keep.sum() < 0.3 * len(a) or np.array_equal(new_keep, keep):
            break
        keep = new_keep
    return design @ coef


#: an occluder (a thumb, a finger) differs in colour from the item: at least this CIE Lab a*b*
#: distance between the centres of the mask's two colour clusters (skin against a grey item: ~25)
OCCLUDER_CHROMA_DISTANCE = 15.0
#: it covers this share of the mask at most
OCCLUDER_MAX_SHARE = 0.45
#: and it is one convex blob: its area over the area of its convex hull is at least this
OCCLUDER_SOLIDITY = 0.8


#: the 2-means centres are found on at most this many of the mask's pixels (every k-th)
CLUSTER_SAMPLE = 1500


def _two_colour_clusters(pixels: np.ndarray, iterations: int = 8) -> np.ndarray:
    """2-means of float (n, 3) colours, seeded deterministically (the pixel farthest from the
    mean, then the pixel farthest from it) and run on every k-th pixel (``CLUSTER_SAMPLE``):
    bool (n,), True for the pixels nearer the second centre."""
    sample = pixels[:: max(1, -(-len(pixels) // CLUSTER_SAMPLE))]
    first = sample[int(np.argmax(np.square(sample - sample.mean(axis=0)).sum(axis=1)))]
    second = sample[int(np.argmax(np.square(sample - first).sum(axis=1)))]
    centres = np.stack([first, second])

    def nearer_second(points: np.ndarray) -> np.ndarray:
        # |p - c1|^2 < |p - c0|^2  <=>  2 p . (c0 - c1) < |c0|^2 - |c1|^2
        return 2.0 * points @ (centres[0] - centres[1]) < np.square(centres[0]).sum() - np.square(centres[1]).sum()

    for _ in range(iterations):
        which = nearer_second(sample)
        if which.all() or not which.any():
            break
        centres = np.stack([sample[~which].mean(axis=0), sample[which].mean(axis=0)])
    return nearer_second(pixels)


def _pixel_hull(region: np.ndarray) -> np.ndarray | None:
    """The convex hull of a bool (h, w) region's pixels, each a unit square: its vertices, float64
    (k, 2) as (x, y), counter-clockwise; ``None`` for fewer than 10 pixels or pixels on a line."""
    from scipy import ndimage
    from scipy.spatial import ConvexHull, QhullError

    if np.count_nonzero(region) < 10:
        return None
    # The hull of the region is the hull of its outline: the interior pixels add nothing.
    ys, xs = np.nonzero(region & ~ndimage.binary_erosion(region))
    pixels = np.stack([xs, ys], axis=1).astype(np.float64)
    corners = np.concatenate([pixels + offset for offset in ((0, 0), (1, 0), (0, 1), (1, 1))])
    try:
        return corners[ConvexHull(corners).vertices]
    except QhullError:  # a straight line of pixels
        return None


def _solidity(region: np.ndarray) -> float:
    """Area of a bool region over the area of its convex hull (1 for a convex blob, 0 for fewer
    than 10 pixels)."""
    hull = _pixel_hull(region)
    if hull is None:
        return 0.0
    x, y = hull[:, 0], hull[:, 1]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))  # shoelace
    return float(np.count_nonzero(region) / area)


def _distance_to_segment(point: np.ndarray, start: np.ndarray, end: np.ndarray) -> float:
    """Euclidean distance of ``point`` to the segment ``start``-``end`` (1-d float arrays)."""
    direction = end - start
    t = float(np.clip(np.dot(point - start, direction) / max(float(np.dot(direction, direction)), 1e-9), 0.0, 1.0))
    return float(np.linalg.norm(point - (start + t * direction)))


def _occluder(lab: np.ndarray, mask: np.ndarray, frame: np.ndarray, backdrop: np.ndarray) -> np.ndarray | None:
    """A thumb or finger that enters the photo from its edge and joins the item's ``mask``, or
    ``None``. Of the mask's two colour clusters (:func:`_two_colour_clusters`), the occluder is
    the smaller one (at most ``OCCLUDER_MAX_SHARE``), reaching the frame, of another colour than
    the item's shades and their mixes with the ``backdrop`` (Lab, float (3,)) by
    ``OCCLUDER_CHROMA_DISTANCE``: its largest connected part at the frame, if that part is one
    convex blob (``OCCLUDER_SOLIDITY``). ``lab`` float32 (h, w, 3), ``mask`` and ``frame`` bool
    (h, w). Returns bool (h, w), dilated by a pixel (its blurred rim)."""
    from scipy import ndimage

    pixels = lab[mask] * np.array([0.25, 1.0, 1.0], dtype=np.float32)
    if len(pixels) < 50:
        return None
    which = _two_colour_clusters(pixels)
    if which.mean() > 0.5:  # the occluder is the smaller part
        which = ~which
    if not 0.02 < which.mean() <= OCCLUDER_MAX_SHARE:
        return None
    # Not a shade of the item, nor a mix of it with the backdrop (its rim, its shadow): away from
    # the a*b* segment between the two.
    if _distance_to_segment(pixels[which, 1:].mean(axis=0), pixels[~which, 1:].mean(axis=0), backdrop[1:]) < (
        OCCLUDER_CHROMA_DISTANCE
    ):
        return None
    part = np.zeros_like(mask)
    part[mask] = which
    if not np.any(part & frame):
        return None
    labels, _ = ndimage.label(part)
    touching = np.unique(labels[frame & part])
    touching = touching[touching > 0]
    sizes = ndimage.sum(part, labels, index=touching)
    blob = labels == touching[int(np.argmax(sizes))]
    if _solidity(blob) < OCCLUDER_SOLIDITY:
        return None
    blob = ndimage.binary_dilation(blob, iterations=1)
    return blob if np.count_nonzero(mask & ~blob) >= 0.5 * np.count_nonzero(mask) else None


def _item_mask(rgb: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """(the item's mask or ``None``, whether the photo can stay as it is around the item: a plain
    white backdrop, as in a catalog photo, and no occluder to paint out)."""
    from scipy import ndimage
    from skimage.color import rgb2lab
    from skimage.filters import threshold_otsu

    h, w, _ = rgb.shape
    frame = _frame_mask(h, w)
    lab = rgb2lab(rgb).astype(np.float32)
    frame_lab = lab[frame]
    backdrop = np.median(frame_lab, axis=0)
    plain = _plain_backdrop(frame_lab, backdrop)
    white = plain and backdrop[0] > 92 and float(np.hypot(backdrop[1], backdrop[2])) < 6
    distance = np.linalg.norm(lab - _background_model(lab, frame, plain_colour=backdrop if plain else None), axis=-1)
    distance = ndimage.gaussian_filter(distance, sigma=1.0)
    frame_values = distance[frame]
    floor = float(np.percentile(frame_values, 90)) * 1.5 + 4.0
    try:
        otsu = float(threshold_otsu(distance))
    except ValueError:  # a constant image
        return None, white
    if plain:  # the backdrop is known: anything that differs from it is the item
        mask = ndimage.binary_opening(distance > 0.5 * floor, iterations=1)
        mask = ndimage.binary_closing(mask, iterations=2)
    else:
        mask = distance > max(floor, min(otsu, 3.0 * floor))
        mask = ndimage.binary_opening(mask, iterations=1)
        mask = ndimage.binary_closing(mask, iterations=2)
    mask = ndimage.binary_fill_holes(mask)
    occluder = _occluder(lab, mask, frame, backdrop)
    if occluder is not None:
        mask &= ~occluder
        white = False  # the thumb must be painted out: the item goes on white through its mask
    labels, n = ndimage.label(mask)
    if n == 0:
        return None, white
    areas = ndimage.sum(mask, labels, index=np.arange(1, n + 1))
    if plain:  # on a plain backdrop everything that stands out is the item, touching the frame or not
        keep = np.flatnonzero(areas >= MIN_REGION_FRACTION * h * w) + 1
        return (np.isin(labels, keep) if len(keep) else None), white
    border_touch = ndimage.sum(frame, labels, index=np.arange(1, n + 1)) / np.maximum(areas, 1)
    scores = areas * (1.0 - 0.8 * np.clip(border_touch * 3, 0, 1))
    best = int(np.argmax(scores)) + 1
    if areas[best - 1] < MIN_REGION_FRACTION * h * w:
        return None, white
    # Regions close to the best one (within a tenth of the side) and not tiny join it.
    near = ndimage.binary_dilation(labels == best, iterations=max(2, round(0.1 * min(h, w))))
    chosen = {best}
    for index in range(1, n + 1):
        if index != best and areas[index - 1] >= 0.1 * areas[best - 1] and border_touch[index - 1] < 0.2:
            if np.any(near & (labels == index)):
                chosen.add(index)
    return np.isin(labels, list(chosen)), white


def detect_item(image: Image.Image) -> tuple[Box, np.ndarray | None]:
    """The item's box in ``image`` and its mask (bool, on a copy at most ``WORK_SIDE`` px wide;
    ``None`` when nothing stands out, and then the box is the whole photo)."""
    found = _detect(image)
    return found.box, found.mask


@dataclass(frozen=True)
class _Detection:
    box: Box
    mask: np.ndarray | None  # bool (h, w) of ``rgb``; None when nothing stands out or the item fills the photo
    white: bool  # a plain white backdrop and nothing to paint out
    rgb: np.ndarray  # the working copy: float32 (h, w, 3) in [0, 1]
    fills: bool  # the item fills the photo (a close-up: no backdrop to crop away)

    @property
    def colour_mask(self) -> np.ndarray:
        """The pixels to name colours from: the item's. When no item was cut out (it fills the
        photo or runs off its edges, so the frame is the item, not a backdrop) every pixel that is
        not near-white paper: sellers photograph close-ups, and then the item is what is there."""
        if self.mask is not None:
            return self.mask
        if self.fills:
            return np.ones(self.rgb.shape[:2], dtype=bool)
        return ~np.all(self.rgb > 0.94, axis=-1)


def _detect(image: Image.Image) -> _Detection:
    rgb = _working_copy(image)
    mask, white = _item_mask(rgb)
    if mask is None or mask.mean() > 0.97:
        return _Detection(FULL_BOX, None, white, rgb, fills=mask is not None)
    return _Detection(_box_of(mask), mask, white, rgb, fills=False)


def _box_of(mask: np.ndarray) -> Box:
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    x0, x1 = xs.min() / w, (xs.max() + 1) / w
    y0, y1 = ys.min() / h, (ys.max() + 1) / h
    mx, my = BOX_MARGIN * (x1 - x0), BOX_MARGIN * (y1 - y0)
    return Box(max(0.0, x0 - mx), max(0.0, y0 - my), min(1.0, x1 + mx), min(1.0, y1 + my))


def detect_item_box(image: Image.Image) -> Box:
    """The normalised box around the product in ``image`` (the whole photo when none is found)."""
    return detect_item(image)[0]


#: context kept around a shopper's box, as a fraction of its sides. Shoppers draw boxes tight to
#: the item; the background model is fitted to the crop's outer frame, so a crop with no
#: background around the item finds only part of it. Measured on two-product photos
#: (``customer_photos.two_product_photo``, 4 trouser + ankle boot pairs of the test sample x 4
#: seeds, boxes exactly on the items): 10 of 32 items predicted in their own category with no
#: margin, 21 with 0.05, 0.1 or 0.2.
BOX_CONTEXT = 0.1


def expand_box(box: Box, fraction: float = BOX_CONTEXT) -> Box:
    """``box`` grown by ``fraction`` of its width/height on each side, clipped to the photo."""
    dx, dy = fraction * (box.x1 - box.x0), fraction * (box.y1 - box.y0)
    return Box(max(0.0, box.x0 - dx), max(0.0, box.y0 - dy), min(1.0, box.x1 + dx), min(1.0, box.y1 + dy))


def box_within(inner: Box, outer: Box) -> Box:
    """``inner``, normalised to the crop ``outer``, in the coordinates of the whole photo
    (rounded to 4 decimals, within [0, 1])."""
    w, h = outer.x1 - outer.x0, outer.y1 - outer.y0

    def clip(v: float) -> float:
        return round(min(max(v, 0.0), 1.0), 4)

    return Box(
        clip(outer.x0 + inner.x0 * w),
        clip(outer.y0 + inner.y0 * h),
        clip(outer.x0 + inner.x1 * w),
        clip(outer.y0 + inner.y1 * h),
    )


def shopper_crop(image: Image.Image, box: Box | None) -> tuple[Image.Image, Box]:
    """The part of a photo to search for the item: the shopper's ``box`` with some context
    (:func:`expand_box`), or the whole photo. Returns (crop, its box in the photo)."""
    if box is None or box == FULL_BOX:
        return image, FULL_BOX
    region = expand_box(box)
    return crop_to_box(image, region), region


def isolate_item(image: Image.Image, *, box: Box | None = None) -> Image.Image:
    """``image`` (any mode) -> RGB: the detected item cropped and put on white.

    With ``box`` (the shopper's), only that part of the photo (and a little context around it,
    :func:`shopper_crop`) is searched for the item."""
    return detect_and_isolate(shopper_crop(image.convert("RGB"), box)[0])[0]


def deskew_angle(mask: np.ndarray) -> float:
    """The rotation (degrees, in [-45, 45); ``Image.rotate``'s sense) that turns the item of
    ``mask`` (bool (h, w)) upright: the one whose axis-aligned box around the mask's convex hull
    has the smallest area, or 0 when that box is under ``DESKEW_MIN_GAIN`` smaller than the
    unrotated one (an upright item, or a round one whose box hardly depends on the angle)."""
    hull = _pixel_hull(mask)
    if hull is None:
        return 0.0
    radians = np.deg2rad(DESKEW_ANGLES)
    c, s = np.cos(radians), np.sin(radians)
    rx = hull[:, :1] * c + hull[:, 1:] * s  # (vertices, angles)
    ry = hull[:, 1:] * c - hull[:, :1] * s
    area = (rx.max(axis=0) - rx.min(axis=0)) * (ry.max(axis=0) - ry.min(axis=0))
    best = int(np.argmin(area))
    unrotated = area[int(np.argmin(np.abs(DESKEW_ANGLES)))]
    if unrotated <= area[best] * (1.0 + DESKEW_MIN_GAIN):
        return 0.0
    return float(DESKEW_ANGLES[best])


def horizontal_skewness(mask: np.ndarray) -> float:
    """Skewness of the mask's pixel columns (bool (h, w)): > 0 when its mass leans left and its
    long tail runs right; changes sign when the image is mirrored; 0 for fewer than 10 pixels."""
    xs = np.nonzero(mask)[1].astype(np.float64)
    if len(xs) < 10:
        return 0.0
    centred = xs - xs.mean()
    return float(np.mean((centred / (centred.std() + 1e-6)) ** 3))


def canonical_pose(item: Image.Image, mask: np.ndarray) -> Image.Image:
    """``item`` (RGB, on white) turned upright (:func:`deskew_angle`) and mirrored so that its
    :func:`horizontal_skewness` is not below ``-MIRROR_SKEWNESS``; ``mask`` (bool, the
    detection's resolution, at most ``WORK_SIDE`` px: the pose is read off it, cheaply) covers
    the item in ``item``. Returns RGB, cropped to the turned item."""
    shape = Image.fromarray(mask.astype(np.uint8) * 255, mode="L")
    angle = deskew_angle(mask)
    if angle:
        item = item.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255))
        shape = shape.rotate(angle, resample=Image.Resampling.NEAREST, expand=True)
        bbox = shape.getbbox()
        if bbox:
            fx, fy = item.width / shape.width, item.height / shape.height
            left, top = int(np.floor(bbox[0] * fx)), int(np.floor(bbox[1] * fy))
            right, bottom = int(np.ceil(bbox[2] * fx)), int(np.ceil(bbox[3] * fy))
            item, shape = item.crop((left, top, max(right, left + 1), max(bottom, top + 1))), shape.crop(bbox)
    if horizontal_skewness(np.asarray(shape) > 127) < -MIRROR_SKEWNESS:
        item = item.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return item


def detect_and_isolate(image: Image.Image) -> tuple[Image.Image, Box]:
    """``image`` -> (RGB: the item cropped, put on white and in its canonical pose, the item's
    box in ``image``). Nothing found: (the whole photo, ``FULL_BOX``)."""
    item, found = _isolate(image)
    return item, found.box


def detect_and_isolate_with_colours(image: Image.Image) -> tuple[Image.Image, Box, list[ColourShare]]:
    """:func:`detect_and_isolate` plus the item's dominant colours, named from the same detection's
    mask (:func:`recommender.colour.item_colours`; ``[]`` when no item stands out)."""
    item, found = _isolate(image)
    return item, found.box, item_colours(found.rgb, found.colour_mask)


def image_colours(image: Image.Image) -> list[ColourShare]:
    """The dominant colours of the item in ``image`` (any mode), named in the shop palette from its
    detected mask; ``[]`` when no item stands out. For photos that are not being embedded (e.g.
    ``manage.py image_colours`` on a catalog embedded before colours existed)."""
    found = _detect(image.convert("RGB"))
    return item_colours(found.rgb, found.colour_mask)


def _isolate(image: Image.Image) -> tuple[Image.Image, _Detection]:
    from scipy import ndimage

    source = image.convert("RGB")
    detection = _detect(source)
    found, mask, white = detection.box, detection.mask, detection.white
    if mask is None:
        return source, detection
    item = source  # on white already: nothing to neutralise, the item's light parts stay as they are
    if not white:
        w, h = source.size
        alpha = ndimage.gaussian_filter(mask.astype(np.float32), sigma=0.7)
        alpha = np.clip(alpha * 1.5, 0.0, 1.0)
        alpha_img = Image.fromarray((alpha * 255).astype(np.uint8), mode="L").resize((w, h), Image.Resampling.BILINEAR)
        item = Image.composite(source, Image.new("RGB", (w, h), (255, 255, 255)), alpha_img)
    left, top, right, bottom = _box_pixels(found, mask.shape[1], mask.shape[0])
    return canonical_pose(crop_to_box(item, found), mask[top:bottom, left:right]), detection
