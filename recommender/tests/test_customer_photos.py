"""The customer-photo generator and the item isolation, on real Fashion-MNIST test images."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from catalog import fashion_mnist as fm
from recommender import customer_photos as cp
from recommender.evaluation import query_indices, query_set
from recommender.isolation import (
    FULL_BOX,
    Box,
    InvalidBox,
    box_within,
    crop_to_box,
    deskew_angle,
    detect_and_isolate,
    detect_item_box,
    horizontal_skewness,
    isolate_item,
    parse_box,
    shopper_crop,
)


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _pixels(fashion_mnist_sample, row: int) -> np.ndarray:
    return fashion_mnist_sample.test_images[row]


def test_a_photo_is_a_pure_function_of_image_families_and_seed(fashion_mnist_sample):
    pixels = _pixels(fashion_mnist_sample, 0)
    families = ("background", "placement", "rotation", "light", "occlusion", "quality")

    first = cp.customer_photo(pixels, families=families, seed=7)
    again = cp.customer_photo(pixels, families=families, seed=7)
    other = cp.customer_photo(pixels, families=families, seed=8)

    assert np.array_equal(np.asarray(first.image), np.asarray(again.image)) and first.box == again.box
    assert not np.array_equal(np.asarray(first.image), np.asarray(other.image))
    assert first.families == families


def test_unknown_family_is_refused(fashion_mnist_sample):
    with pytest.raises(ValueError, match="unknown variation families: \\['fog'\\]"):
        cp.customer_photo(_pixels(fashion_mnist_sample, 0), families=("fog",), seed=0)


def test_no_family_is_the_catalog_look(fashion_mnist_sample):
    photo = cp.customer_photo(_pixels(fashion_mnist_sample, 0), seed=0)
    pixels = np.asarray(photo.image)

    assert photo.image.size == (cp.FRAME_SIDE, cp.FRAME_SIDE)
    assert pixels[0, 0].tolist() == [255, 255, 255] and pixels[-1, -1].tolist() == [255, 255, 255]
    assert np.ptp(pixels.astype(int), axis=-1).max() <= 1  # grey
    x0, y0, x1, y1 = photo.box
    assert abs((x0 + x1) / 2 - 0.5) < 0.02 and abs((y0 + y1) / 2 - 0.5) < 0.02  # centred


def test_each_family_changes_what_it_names(fashion_mnist_sample):
    pixels = _pixels(fashion_mnist_sample, 1)
    base = np.asarray(cp.customer_photo(pixels, seed=3).image).astype(int)

    coloured = np.asarray(cp.customer_photo(pixels, families=("colour",), seed=3).image).astype(int)
    assert np.ptp(coloured, axis=-1).max() > 40  # not grey any more
    background = np.asarray(cp.customer_photo(pixels, families=("background",), seed=3).image).astype(int)
    assert np.abs(background[:8, :8] - 255).mean() > 10  # the corner is no longer white
    placed = cp.customer_photo(pixels, families=("placement",), seed=3)
    assert placed.box != cp.customer_photo(pixels, seed=3).box
    mirrored = np.asarray(cp.customer_photo(pixels, families=("mirror",), seed=3).image).astype(int)
    assert np.abs(mirrored - base[:, ::-1]).mean() < 3 < np.abs(mirrored - base).mean()
    degraded = np.asarray(cp.customer_photo(pixels, families=("quality",), seed=3).image).astype(int)
    assert 2 < np.abs(degraded - base).mean()


def test_mixed_families_are_at_least_two_and_can_exclude_one():
    rng = np.random.default_rng(0)
    draws = [cp.mixed_families(rng, exclude=("colour",)) for _ in range(200)]

    assert all(len(d) >= 2 and "colour" not in d for d in draws)
    assert {f for d in draws for f in d} == set(cp.FAMILIES) - {"colour"}


def test_evaluation_never_uses_the_reserved_test_images():
    labels = np.tile(np.arange(10), 1000)  # 10,000 labels
    indices = query_indices(labels, 1000)

    assert indices.max() < cp.TEST_INDEX_LIMIT == 9000 and len(indices) == 9000
    with pytest.raises(ValueError, match="reserved"):
        query_set("mixed", np.zeros((10000, 28, 28), np.uint8), labels, np.array([9000]), seed=0)


# --- isolation ---------------------------------------------------------------------------------


def test_parse_box():
    assert parse_box("0.1, 0.2,0.9,1") == Box(0.1, 0.2, 0.9, 1.0)
    for bad in ("", "0,0,1", "a,b,c,d", "0.5,0,0.2,1", "0,0,1.5,1", "-0.1,0,1,1", "nan,0,1,1", "0,0,0.005,1"):
        with pytest.raises(InvalidBox):
            parse_box(bad)


def test_crop_to_box():
    image = Image.new("RGB", (200, 100))
    assert crop_to_box(image, Box(0.25, 0.5, 0.75, 1.0)).size == (100, 50)
    assert crop_to_box(image, FULL_BOX).size == (200, 100)


def test_the_item_is_found_on_shoppers_backgrounds(fashion_mnist_sample):
    ious = []
    for row in range(len(fashion_mnist_sample.test_labels)):
        photo = cp.customer_photo(_pixels(fashion_mnist_sample, row), families=("background", "placement"), seed=row)
        ious.append(_iou(detect_item_box(photo.image).as_tuple(), photo.box))

    assert np.median(ious) >= 0.8
    assert np.mean(np.array(ious) >= 0.6) >= 0.9


def test_isolated_item_is_on_white_and_cropped(fashion_mnist_sample):
    photo = cp.customer_photo(_pixels(fashion_mnist_sample, 2), families=("background", "placement"), seed=5)
    isolated = np.asarray(isolate_item(photo.image)).astype(int)

    w, h = photo.image.size
    x0, y0, x1, y1 = photo.box
    assert isolated.shape[1] < 1.3 * (x1 - x0) * w and isolated.shape[0] < 1.3 * (y1 - y0) * h
    corners = np.concatenate([isolated[:3, :3].reshape(-1, 3), isolated[-3:, -3:].reshape(-1, 3)])
    assert corners.min() >= 235  # the backdrop is gone


def test_a_plain_photo_has_no_item():
    assert detect_item_box(Image.new("RGB", (300, 200), (180, 200, 220))) == FULL_BOX


def test_the_shoppers_box_picks_one_of_two_products(fashion_mnist_sample):
    trouser, boot = fashion_mnist_sample.rows("test", "trouser")[0], fashion_mnist_sample.rows("test", "ankle-boot")[0]
    photo, (first, second) = cp.two_product_photo(
        _pixels(fashion_mnist_sample, trouser), _pixels(fashion_mnist_sample, boot), seed=1
    )

    for true_box in (first, second):  # a tight box on each item finds that item, not the other
        crop, region = shopper_crop(photo, Box(*true_box))
        found = box_within(detect_item_box(crop), region)
        assert _iou(found.as_tuple(), true_box) >= 0.7
    assert isolate_item(photo, box=Box(*second)).size[0] < photo.size[0] / 2


def test_catalog_colours_dye_the_item(fashion_mnist_sample):
    name, colour = fm.product_colour(5)
    photo = np.asarray(fm.to_product_photo(fashion_mnist_sample.train_images[5], size=64, colour=colour)).astype(int)

    assert name in {n for n, _ in fm.SHOP_COLOURS} and len(fm.SHOP_COLOURS) == 12
    assert photo[0, 0].tolist() == [255, 255, 255]
    inside = photo[
        fm.item_alpha(np.asarray(Image.fromarray(fashion_mnist_sample.train_images[5]).resize((64, 64)))) > 0.99
    ]
    # The item's pixels are shades of the colour: 60-100 % of it, channel ratios kept.
    ratio = inside / np.maximum(np.array(colour), 1)
    assert np.percentile(ratio, 1) >= 0.58 and np.percentile(ratio, 99) <= 1.02
    assert {fm.product_colour(i)[0] for i in range(24)} == {n for n, _ in fm.SHOP_COLOURS}


def _mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def test_a_tilted_item_is_turned_upright():
    upright = Image.new("L", (200, 200), 0)
    ImageDraw.Draw(upright).rectangle([60, 30, 140, 170], fill=255)
    assert deskew_angle(np.asarray(upright) > 127) == 0.0
    for tilt in (-20, 13):
        tilted = np.asarray(upright.rotate(tilt, expand=True)) > 127
        assert abs(deskew_angle(tilted) + tilt) <= 1.0  # rotating back by -tilt


def test_rotated_and_mirrored_photos_of_an_item_come_out_in_one_pose(fashion_mnist_sample):
    boot = fashion_mnist_sample.rows("test", "ankle-boot")[0]
    photo = fm.to_product_photo(_pixels(fashion_mnist_sample, boot), colour=fm.product_colour(3)[1])
    mask = np.asarray(photo.convert("L")) < 250

    mirrored = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    assert horizontal_skewness(mask) == pytest.approx(-horizontal_skewness(mask[:, ::-1]), abs=1e-6)
    assert abs(horizontal_skewness(mask)) > 0.15  # a boot is not symmetric

    def pose(image: Image.Image) -> np.ndarray:
        item, _ = detect_and_isolate(image)
        return np.asarray(item.convert("L").resize((56, 56))) < 200

    def unturned(image: Image.Image) -> np.ndarray:  # only cropped to the item
        bbox = image.convert("L").point(lambda v: 255 if v < 250 else 0).getbbox()
        return np.asarray(image.crop(bbox).convert("L").resize((56, 56))) < 200

    reference = pose(photo)
    assert _mask_iou(pose(mirrored), reference) > 0.85
    for tilt in (-18, 18):
        rotated = photo.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255))
        turned_iou = _mask_iou(pose(rotated), reference)
        assert turned_iou > 0.65 and turned_iou > _mask_iou(unturned(rotated), unturned(photo)) + 0.05


def _skin_share(image: Image.Image) -> float:
    """Share of pixels the colour of the drawn thumb (orange-brown: R > G > B, clearly chromatic)."""
    rgb = np.asarray(image.convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return float(((r - b > 50) & (r > g) & (g > b)).mean())


@pytest.mark.parametrize("category, edge", [("trouser", "right"), ("pullover", "bottom"), ("ankle-boot", "top")])
def test_a_thumb_entering_from_the_edge_is_painted_out(fashion_mnist_sample, category, edge):
    row = fashion_mnist_sample.rows("test", category)[1]
    photo = fm.to_product_photo(_pixels(fashion_mnist_sample, row), size=240)
    item_box = detect_item_box(photo)
    draw = ImageDraw.Draw(photo)
    skin = (214, 160, 128)
    if edge == "right":  # a thumb from the right edge over the item's middle
        draw.ellipse([150, 100, 300, 140], fill=skin)
    elif edge == "bottom":
        draw.ellipse([140, 170, 180, 300], fill=skin)
    else:
        draw.ellipse([100, -60, 135, 70], fill=skin)
    assert _skin_share(photo) > 0.03

    item, box = detect_and_isolate(photo)

    assert _skin_share(item) < 0.005  # the thumb is gone, painted white
    assert _iou(box.as_tuple(), item_box.as_tuple()) > 0.8  # the box is the item's, not item + thumb


def test_catalog_photos_are_never_taken_for_an_occluder(fashion_mnist_sample, monkeypatch):
    """No part of a catalog item is painted out as an occluder, whatever its colour, even when it
    touches the frame. Checked where isolation asks, on the mask before anything is cut."""
    from recommender import isolation

    answers = []
    occluder = isolation._occluder

    def recorded_occluder(*args):
        answers.append(occluder(*args))
        return answers[-1]

    monkeypatch.setattr(isolation, "_occluder", recorded_occluder)
    for row in range(0, 120, 6):
        colour = fm.product_colour(row)[1]
        for photo in (
            fm.to_product_photo(fashion_mnist_sample.train_images[row], colour=colour),
            fm.to_product_photo(fashion_mnist_sample.train_images[row], size=240).crop((10, 10, 230, 230)),
        ):
            answers.clear()
            detect_and_isolate(photo)
            assert len(answers) == 1 and answers[0] is None, f"train row {row}: part of the item taken for an occluder"
