"""Colour as an attribute: the dominant colours of a photo's item, named in the shop palette."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from catalog import fashion_mnist as fm
from catalog.colours import COLOUR_NAMES, PALETTE
from catalog.models import Product, ProductImage
from catalog.services import product_colour_refresh, product_image_create
from catalog.tests.factories import CategoryFactory, ProductFactory
from recommender.colour import ColourShare, dominant_colours, item_colours
from recommender.isolation import image_colours
from recommender.services import product_images_colour, product_images_embed

pytestmark = pytest.mark.django_db


def dyed_photo(fashion_mnist_sample, row: int, size: int = 224) -> tuple[Image.Image, str]:
    """Sample train row ``row`` as the demo import renders it, and the colour it was dyed."""
    name, rgb = fm.product_colour(int(fashion_mnist_sample.train_indices[row]))
    return fm.to_product_photo(fashion_mnist_sample.train_images[row], size=size, colour=rgb), name


def first_colour(photo: Image.Image) -> str:
    found = image_colours(photo)
    return found[0].name if found else ""


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_every_palette_colour_is_named_as_itself_lit_or_in_shade():
    for name, rgb in PALETTE:
        for shade in (0.6, 0.8, 1.0):
            pixels = np.tile(np.asarray(rgb, dtype=np.float32) / 255.0 * shade, (50, 1))
            assert dominant_colours(pixels)[0] == ColourShare(name, 1.0), (name, shade)


def test_dominant_colours_are_shares_largest_first_and_small_ones_dropped():
    red, navy, white = (np.asarray(rgb, dtype=np.uint8) for rgb in ((196, 40, 44), (36, 48, 94), (240, 239, 234)))
    pixels = np.concatenate([np.tile(red, (70, 1)), np.tile(navy, (25, 1)), np.tile(white, (5, 1))])

    found = dominant_colours(pixels)

    assert [(c.name, round(c.share, 2)) for c in found] == [("Red", 0.7), ("Navy", 0.25)]
    assert dominant_colours(np.zeros((0, 3))) == []
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        dominant_colours(np.zeros((4, 4)))


def test_only_the_items_pixels_count_not_the_background():
    rgb = np.full((60, 60, 3), (52 / 255, 110 / 255, 196 / 255), dtype=np.float32)  # a blue wall
    mask = np.zeros((60, 60), dtype=bool)
    mask[20:40, 15:45] = True
    rgb[mask] = (120 / 255, 78 / 255, 48 / 255)  # a brown bag in front of it

    assert [c.name for c in item_colours(rgb, mask)] == ["Brown"]
    assert item_colours(rgb, np.zeros((60, 60), dtype=bool)) == []


def test_a_dyed_item_on_a_coloured_backdrop_is_named_by_the_item(fashion_mnist_sample):
    photo, dyed = dyed_photo(fashion_mnist_sample, 0)
    pixels = np.asarray(photo).copy()
    background = np.all(pixels > 250, axis=-1)
    pixels[background] = (46, 132, 74) if dyed != "Green" else (196, 40, 44)  # a green (or red) wall

    assert first_colour(Image.fromarray(pixels)) == dyed


def test_computed_colour_equals_the_dyed_colour_on_real_demo_photos(fashion_mnist_sample):
    rows = range(len(fashion_mnist_sample.train_images))
    right = sum(first_colour(photo) == dyed for photo, dyed in (dyed_photo(fashion_mnist_sample, r) for r in rows))

    # 120 real Fashion-MNIST photos in all 10 categories and 12 colours (the issue asks for ≥ 90 %).
    assert right / len(rows) >= 0.9, right


@pytest.mark.slow
def test_the_embedding_worker_stores_the_photos_colours_and_summarises_them_on_the_product(
    fashion_mnist_sample, vgg16_weights
):
    photo, dyed = dyed_photo(fashion_mnist_sample, 3)
    image = product_image_create(
        product=ProductFactory.create(), file=io.BytesIO(png(photo)), name="p.png", enqueue=False
    )

    product_images_embed(image_ids=[image.pk])

    image.refresh_from_db()
    assert image.colour == dyed == image.colours[0]["name"]
    assert 0.5 < image.colours[0]["share"] <= 1.0
    assert all(c["name"] in COLOUR_NAMES for c in image.colours)
    assert Product.objects.get(pk=image.product_id).colour == dyed


def test_the_product_colour_is_its_first_photos_and_follows_a_reorder(fashion_mnist_sample):
    product = ProductFactory.create()
    first, second = (
        product_image_create(
            product=product, file=io.BytesIO(png(dyed_photo(fashion_mnist_sample, r)[0])), name="p.png", enqueue=False
        )
        for r in (0, 1)
    )
    ProductImage.objects.filter(pk=first.pk).update(colour="Red", colours=[{"name": "Red", "share": 1.0}])
    ProductImage.objects.filter(pk=second.pk).update(colour="Navy", colours=[{"name": "Navy", "share": 1.0}])

    product_colour_refresh(product_ids=[product.pk])
    assert Product.objects.get(pk=product.pk).colour == "Red"

    ProductImage.objects.filter(pk=first.pk).update(position=5)
    product_colour_refresh(product_ids=[product.pk])
    assert Product.objects.get(pk=product.pk).colour == "Navy"


def test_image_colours_command_names_photos_embedded_before_colours_existed(fashion_mnist_sample):
    photos = [dyed_photo(fashion_mnist_sample, r) for r in (4, 5)]
    images = [
        product_image_create(product=ProductFactory.create(), file=io.BytesIO(png(p)), name="p.png", enqueue=False)
        for p, _ in photos
    ]
    out = io.StringIO()

    call_command("image_colours", stdout=out)

    assert [ProductImage.objects.get(pk=i.pk).colour for i in images] == [dyed for _, dyed in photos]
    assert [Product.objects.get(pk=i.product_id).colour for i in images] == [dyed for _, dyed in photos]
    assert "Analysed 2 photos; 2 now have a colour." in out.getvalue()
    call_command("image_colours", stdout=out)
    assert "Nothing to do" in out.getvalue()


def test_a_photo_whose_file_is_gone_is_skipped_and_the_rest_named(fashion_mnist_sample):
    photo, dyed = dyed_photo(fashion_mnist_sample, 6)
    gone, kept = (
        product_image_create(product=ProductFactory.create(), file=io.BytesIO(png(photo)), name="p.png", enqueue=False)
        for _ in range(2)
    )
    gone.image.storage.delete(str(gone.image.name))

    assert product_images_colour(image_ids=[gone.pk, kept.pk]) == 1
    assert ProductImage.objects.get(pk=kept.pk).colour == dyed
    assert ProductImage.objects.get(pk=gone.pk).colour == ""


def test_the_category_page_and_the_api_filter_by_colour_in_any_case(client):
    category = CategoryFactory.create(slug="dress")
    red = ProductFactory.create(category=category, name="Red dress")
    ProductFactory.create(category=category, name="Navy dress")
    Product.objects.filter(pk=red.pk).update(colour="Red")
    Product.objects.exclude(pk=red.pk).update(colour="Navy")

    page = client.get(reverse("shop:category_detail", kwargs={"slug": "dress"}), {"colour": "red"})
    body = client.get(reverse("api:product-list"), {"colour": "RED"}).json()

    assert [p.name for p in page.context["page"]] == ["Red dress"]
    assert [(p["name"], p["colour"]) for p in body["results"]] == [("Red dress", "Red")]
    assert client.get(reverse("api:product-list"), {"colour": "mauve"}).status_code == 400


def test_the_product_page_shows_its_colour_with_a_link_to_more_in_it(client):
    product = ProductFactory.create(name="Olive coat")
    Product.objects.filter(pk=product.pk).update(colour="Olive")

    html = client.get(product.get_absolute_url()).content.decode()

    assert 'data-testid="product-colour"' in html
    assert f"{product.category.get_absolute_url()}?colour=Olive" in html
    assert "background:#707634" in html
