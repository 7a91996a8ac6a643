"""Customer-style photos made from Fashion-MNIST images: a seeded, documented generator.

Shoppers do not photograph products like a catalog does. This generator turns a 28×28
Fashion-MNIST image (Zalando Research, MIT) into a phone-like photo of that item, with
variations grouped in named **families**, each of which can be applied alone or mixed:

``colour``
    the item dyed in a random colour (any hue, saturation 0.15-1, value 0.15-0.95), not one of
    the catalog's named colours.
``background``
    a tinted surface, a linear or radial gradient, or a texture (wood grain, fabric noise,
    checks, a rumpled bed sheet) instead of white.
``placement``
    the item off-centre at 35-85 % of the frame's shorter side, in a 4:3, 3:4 or square frame.
``rotation``
    rotated by up to ±25° and tilted (a perspective warp of up to 12 % of the side).
``light``
    uneven light (a directional gradient or a vignette, 55-115 % brightness), a colour cast
    (white balance) and a soft shadow under the item.
``occlusion``
    a thumb or fingers entering from an edge, or an object covering a corner of the item
    (at most about a fifth of it).
``quality``
    blur (Gaussian or motion), sensor noise, a downscale-upscale, and JPEG at quality 20-70.
``mirror``
    a horizontal mirror image (a selfie camera).

With no family the photo is the catalog look: the grey item centred on white at 85 % of a
square frame. ``mixed`` applies each family with probability 0.5 (at least two). A photo is
a pure function of (image, families, seed): :func:`customer_photo`. Every photo is returned
with its ground-truth item box (normalised), for the isolation and two-product checks.

Only Fashion-MNIST *test* images 0-8999 may be used for evaluation (``TEST_INDEX_LIMIT``):
9000-9999 are kept for independent checks.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from catalog import fashion_mnist as fm

__all__ = [
    "FAMILIES",
    "TEST_INDEX_LIMIT",
    "CustomerPhoto",
    "customer_photo",
    "mixed_families",
    "product_item",
    "product_view",
    "two_product_photo",
]

FAMILIES: tuple[str, ...] = (
    "colour",
    "background",
    "placement",
    "rotation",
    "light",
    "occlusion",
    "quality",
    "mirror",
)
#: test images at or above this index are reserved for independent checks
TEST_INDEX_LIMIT = 9000
#: side of a square frame; 4:3 frames are this wide and 3/4 as high (or the other way round)
FRAME_SIDE = 320


@dataclass(frozen=True)
class CustomerPhoto:
    image: Image.Image  #: RGB
    box: tuple[float, float, float, float]  #: the item's normalised (x0, y0, x1, y1)
    families: tuple[str, ...]


def mixed_families(rng: np.random.Generator, *, p: float = 0.5, exclude: Sequence[str] = ()) -> tuple[str, ...]:
    """A random subset of the families (each with probability ``p``, at least two), minus ``exclude``."""
    pool = [f for f in FAMILIES if f not in exclude]
    while True:
        chosen = tuple(f for f in pool if rng.random() < p)
        if len(chosen) >= min(2, len(pool)):
            return chosen


def _random_colour(rng: np.random.Generator) -> tuple[int, int, int]:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.15, 1.0), rng.uniform(0.15, 0.95))
    return (round(r * 255), round(g * 255), round(b * 255))


def _item_rgba(pixels: np.ndarray, side: int, colour: tuple[int, int, int] | None) -> Image.Image:
    big = np.asarray(Image.fromarray(pixels, mode="L").resize((side, side), Image.Resampling.LANCZOS))
    if colour is None:
        rgb = np.repeat((1.0 - big.astype(np.float32) / 255.0)[..., None], 3, axis=-1)
        alpha = fm.item_alpha(big)
    else:
        rgb, alpha = fm.dye(big, colour)
    rgba = np.concatenate([rgb, alpha[..., None]], axis=-1)
    return Image.fromarray(np.clip(rgba * 255 + 0.5, 0, 255).astype(np.uint8), mode="RGBA")


def _perspective_coefficients(src: Sequence[tuple[float, float]], dst: Sequence[tuple[float, float]]) -> list[float]:
    # PIL maps output (dst) coordinates to input (src) ones.
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for pair in src for c in pair], dtype=np.float64)
    return list(np.linalg.solve(a, b))


def _rotate_tilt(item: Image.Image, rng: np.random.Generator) -> Image.Image:
    w, h = item.size
    jitter = 0.12 * w
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(x + rng.uniform(-jitter, jitter) + jitter, y + rng.uniform(-jitter, jitter) + jitter) for x, y in src]
    size = (round(w + 2 * jitter), round(h + 2 * jitter))
    warped = item.transform(
        size, Image.Transform.PERSPECTIVE, _perspective_coefficients(src, dst), Image.Resampling.BICUBIC
    )
    return warped.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=True)


def _background(kind: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    base = np.array(_random_colour(rng), dtype=np.float32) / 255.0
    base = 0.35 + 0.65 * base  # surfaces are rarely very dark
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "tint":
        return np.broadcast_to(base, (h, w, 3)).copy()
    if kind == "gradient":
        other = 0.35 + 0.65 * np.array(_random_colour(rng), dtype=np.float32) / 255.0
        if rng.random() < 0.5:
            angle = rng.uniform(0, 2 * math.pi)
            t = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle) + 0.5
        else:
            cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
            t = np.hypot(xx - cx, yy - cy) / math.hypot(w, h) * 1.6
        t = np.clip(t, 0, 1)[..., None]
        return base * (1 - t) + other * t
    noise_img = Image.fromarray((rng.random((max(2, h // 8), max(2, w // 8))) * 255).astype(np.uint8), mode="L")
    low = np.asarray(noise_img.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0 - 0.5
    if kind == "wood":
        freq, angle = rng.uniform(0.05, 0.15), rng.uniform(-0.3, 0.3)
        grain = np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * freq + 6 * low)
        return base * (0.85 + 0.12 * grain[..., None])
    if kind == "fabric":
        fine = rng.normal(0, 0.06, (h, w)).astype(np.float32)
        weave = 0.04 * np.sin(xx * 1.3) * np.sin(yy * 1.3)
        return base * (0.92 + fine + weave)[..., None]
    if kind == "checks":
        cell = rng.integers(12, 36)
        other = 0.35 + 0.65 * np.array(_random_colour(rng), dtype=np.float32) / 255.0
        mix = ((xx // cell + yy // cell) % 2)[..., None]
        return base * (1 - 0.5 * mix) + other * 0.5 * mix
    # sheet: soft folds of a rumpled bed sheet
    folds = np.sin(low * rng.uniform(8, 16)) * 0.12
    return base * (0.9 + folds[..., None])


def _light(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w, _ = canvas.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < 0.5:
        angle = rng.uniform(0, 2 * math.pi)
        t = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle)
        field = 0.85 + t * rng.uniform(0.3, 0.6)
    else:
        r = np.hypot(xx / w - rng.uniform(0.3, 0.7), yy / h - rng.uniform(0.3, 0.7))
        field = 1.1 - r * rng.uniform(0.5, 0.9)
    cast = 1.0 + rng.uniform(-0.12, 0.12, 3).astype(np.float32)
    return canvas * np.clip(field, 0.55, 1.15)[..., None] * cast


def _occlude(image: Image.Image, box: tuple[int, int, int, int], rng: np.random.Generator) -> None:
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if rng.random() < 0.6:  # a thumb from the nearest edge
        skin = tuple(int(c) for c in np.array([224, 172, 140]) * rng.uniform(0.6, 1.05))
        edge = rng.integers(4)
        tw, tl = rng.uniform(0.12, 0.2) * min(image.size), rng.uniform(0.25, 0.45) * min(image.size)
        if edge in (0, 1):  # bottom or top
            cx = rng.uniform(x0, x1)
            y = image.size[1] if edge == 0 else 0
            ellipse = [cx - tw / 2, y - tl, cx + tw / 2, y + tl]
        else:
            cy = rng.uniform(y0, y1)
            x = image.size[0] if edge == 2 else 0
            ellipse = [x - tl, cy - tw / 2, x + tl, cy + tw / 2]
        draw.ellipse(ellipse, fill=skin)
    else:  # an object over a corner of the item
        colour = _random_colour(rng)
        cx = x0 if rng.random() < 0.5 else x1
        cy = y0 if rng.random() < 0.5 else y1
        r = rng.uniform(0.2, 0.3) * max(bw, bh)
        draw.rectangle([cx - r, cy - r, cx + r, cy + r], fill=colour)


def _degrade(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.8)))
    else:  # motion blur along a random direction
        k = (3, 5)[int(rng.integers(2))]  # PIL kernels are 3x3 or 5x5
        kernel = np.zeros((k, k), dtype=np.float32)
        if rng.random() < 0.5:
            kernel[k // 2, :] = 1
        else:
            np.fill_diagonal(kernel, 1)
        image = image.filter(ImageFilter.Kernel((k, k), kernel.ravel().tolist(), scale=float(kernel.sum())))
    if rng.random() < 0.5:
        w, h = image.size
        f = rng.uniform(0.35, 0.7)
        small = image.resize((max(8, round(w * f)), max(8, round(h * f))), Image.Resampling.BILINEAR)
        image = small.resize((w, h), Image.Resampling.BILINEAR)
    arr = np.asarray(image, dtype=np.float32) + rng.normal(0, rng.uniform(3, 12), (image.size[1], image.size[0], 3))
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode="RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(rng.integers(20, 71)))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _check(families: Sequence[str]) -> set[str]:
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown variation families: {sorted(unknown)}")
    return set(families)


def customer_photo(
    pixels: np.ndarray,
    *,
    families: Sequence[str] = (),
    seed: int,
    colour: tuple[int, int, int] | None = None,
) -> CustomerPhoto:
    """A customer-style photo of one Fashion-MNIST image (uint8 (28, 28), light-on-dark).

    ``families``: names from :data:`FAMILIES` (unknown names raise ``ValueError``). ``colour``:
    the item's own colour (a catalog product's), kept unless ``colour`` is among the families
    (which picks a random one); ``None`` renders it grey. Deterministic in ``seed``.
    """
    on = _check(families)
    rng = np.random.default_rng(seed)
    if "colour" in on:
        colour = _random_colour(rng)
    return _compose(lambda side: _item_rgba(pixels, side, colour), on, rng)


def product_item(photo: Image.Image) -> Image.Image:
    """A catalog photo (the item on a plain light backdrop, as shops shoot them) -> RGBA: the
    item cropped, the backdrop transparent (distance to the backdrop colour, holes filled)."""
    from scipy import ndimage

    rgb = np.asarray(photo.convert("RGB"), dtype=np.float32)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    backdrop = np.percentile(border, 90, axis=0)  # the lightest common border colour
    distance = np.abs(rgb - backdrop).max(axis=-1)
    solid = ndimage.binary_fill_holes(distance > 12)
    alpha = np.maximum(np.clip(distance / 40.0, 0, 1), ndimage.binary_erosion(solid, iterations=1))
    item = Image.fromarray(np.concatenate([rgb, alpha[..., None] * 255], axis=-1).astype(np.uint8), mode="RGBA")
    return item.crop(item.getchannel("A").point(lambda a: 255 if a > 24 else 0).getbbox() or (0, 0, *item.size))


def _recolour(item: Image.Image, colour: tuple[int, int, int], contrast: float) -> Image.Image:
    """Re-dye an RGBA item: its brightness, stretched to ``contrast`` (0-1) of the range below
    the colour's own, becomes the shading of ``colour``."""
    rgba = np.asarray(item, dtype=np.float32) / 255.0
    luminance = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    inside = rgba[..., 3] > 0.5
    low, top = (float(np.percentile(luminance[inside], q)) for q in (2, 98)) if inside.any() else (0.0, 1.0)
    relative = np.clip((luminance - low) / max(top - low, 1e-3), 0, 1)
    shade = 1.0 - contrast + contrast * relative
    rgb = np.asarray(colour, dtype=np.float32) / 255.0 * shade[..., None]
    out = np.concatenate([rgb, rgba[..., 3:]], axis=-1)
    return Image.fromarray(np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8), mode="RGBA")


def product_view(item: Image.Image, *, families: Sequence[str] = (), seed: int) -> CustomerPhoto:
    """A customer-style view of a catalog product, for training: ``item`` is
    :func:`product_item` of its photo. The same families as :func:`customer_photo`; ``colour``
    re-dyes the item (its brightness, at a random contrast, kept as shading)."""
    on = _check(families)
    rng = np.random.default_rng(seed)
    if "colour" in on:  # any colour, any contrast: a grey photo of a black item looks like neither
        item = _recolour(item, _random_colour(rng), contrast=rng.uniform(0.3, 1.0))

    def render(side: int) -> Image.Image:
        f = side / max(item.size)
        return item.resize((max(1, round(item.width * f)), max(1, round(item.height * f))), Image.Resampling.BICUBIC)

    return _compose(render, on, rng)


def _compose(render: Callable[[int], Image.Image], on: set[str], rng: np.random.Generator) -> CustomerPhoto:
    """Place ``render(side)`` (an RGBA item ``side`` px on its longer side) in a photo with the
    families ``on``."""
    if "placement" in on:
        frame = [(FRAME_SIDE, FRAME_SIDE * 3 // 4), (FRAME_SIDE * 3 // 4, FRAME_SIDE), (FRAME_SIDE, FRAME_SIDE)]
        size = frame[int(rng.integers(3))]
        scale = rng.uniform(0.35, 0.85)
    else:
        size, scale = (FRAME_SIDE, FRAME_SIDE), 0.85
    item = render(max(16, round(min(size) * scale)))
    if "rotation" in on:
        item = _rotate_tilt(item, rng)
    if "mirror" in on:
        item = item.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    item_bbox = item.getchannel("A").point(lambda a: 255 if a > 24 else 0).getbbox() or (0, 0, *item.size)
    item = item.crop(item_bbox)
    w, h = size
    iw, ih = item.size
    if iw > w or ih > h:  # a rotated item can outgrow the frame: shrink it back in
        f = min(w / iw, h / ih) * 0.95
        item = item.resize((max(1, round(iw * f)), max(1, round(ih * f))), Image.Resampling.BICUBIC)
        iw, ih = item.size
    if "placement" in on:
        left, top = int(rng.integers(0, w - iw + 1)), int(rng.integers(0, h - ih + 1))
    else:
        left, top = (w - iw) // 2, (h - ih) // 2
    if "background" in on:
        kind = ("tint", "gradient", "wood", "fabric", "checks", "sheet")[int(rng.integers(6))]
        background = _background(kind, size, rng)
    else:
        background = np.ones((h, w, 3), dtype=np.float32)
    out = np.array(background, dtype=np.float32)
    alpha = np.zeros((h, w), dtype=np.float32)
    alpha[top : top + ih, left : left + iw] = np.asarray(item.getchannel("A"), dtype=np.float32) / 255.0
    rgb = np.zeros((h, w, 3), dtype=np.float32)
    rgb[top : top + ih, left : left + iw] = np.asarray(item.convert("RGB"), dtype=np.float32) / 255.0
    if "light" in on:  # a soft shadow below and to one side of the item
        shadow = Image.fromarray((alpha * 255).astype(np.uint8), mode="L")
        dx, dy = int(rng.integers(-8, 9)), int(rng.integers(3, 12))
        shadow = shadow.transform(shadow.size, Image.Transform.AFFINE, (1, 0, -dx, 0, 1, -dy))
        shadow = shadow.filter(ImageFilter.GaussianBlur(rng.uniform(4, 9)))
        out *= 1.0 - rng.uniform(0.25, 0.45) * (np.asarray(shadow, dtype=np.float32) / 255.0)[..., None]
    out = alpha[..., None] * rgb + (1 - alpha[..., None]) * out
    if "light" in on:
        out = _light(out, rng)
    image = Image.fromarray(np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8), mode="RGB")
    box_px = (left, top, left + iw, top + ih)
    if "occlusion" in on:
        _occlude(image, box_px, rng)
    if "quality" in on:
        image = _degrade(image, rng)
    box = (box_px[0] / w, box_px[1] / h, box_px[2] / w, box_px[3] / h)
    return CustomerPhoto(image=image, box=box, families=tuple(f for f in FAMILIES if f in on))


def two_product_photo(
    first: np.ndarray, second: np.ndarray, *, seed: int
) -> tuple[Image.Image, tuple[tuple[float, float, float, float], tuple[float, float, float, float]]]:
    """Two items side by side on one surface (each coloured, placed and lit at random), as a
    shopper photographs an outfit on a bed: returns (RGB image, (box of first, box of second))."""
    rng = np.random.default_rng(seed)
    w, h = FRAME_SIDE * 2, FRAME_SIDE
    kind = ("tint", "gradient", "wood", "fabric", "sheet")[int(rng.integers(5))]
    surface = _background(kind, (w, h), rng)
    boxes = []
    for pixels, offset in ((first, 0), (second, FRAME_SIDE)):
        side = round(FRAME_SIDE * rng.uniform(0.55, 0.85))
        item = _item_rgba(pixels, side, _random_colour(rng))
        bbox = item.getchannel("A").point(lambda a: 255 if a > 24 else 0).getbbox() or (0, 0, side, side)
        item = item.crop(bbox)
        iw, ih = item.size
        left = offset + int(rng.integers(8, max(9, FRAME_SIDE - iw - 8)))
        top = int(rng.integers(8, max(9, h - ih - 8)))
        alpha = np.asarray(item.getchannel("A"), dtype=np.float32)[..., None] / 255.0
        patch = surface[top : top + ih, left : left + iw]
        pasted = alpha * np.asarray(item.convert("RGB")) / 255.0 + (1 - alpha) * patch
        surface[top : top + ih, left : left + iw] = pasted
        boxes.append((left / w, top / h, (left + iw) / w, (top + ih) / h))
    image = Image.fromarray(np.clip(surface * 255 + 0.5, 0, 255).astype(np.uint8), mode="RGB")
    return image, (boxes[0], boxes[1])
