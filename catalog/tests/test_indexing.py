"""The catalog tells the search index about new and replaced photos through its port."""

from __future__ import annotations

import io
import sys
import types

import pytest
from PIL import Image

from catalog import indexing, services
from catalog.tests.factories import ProductFactory


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def test_the_default_index_is_the_recommenders() -> None:
    import recommender.services

    assert indexing.product_image_index() is recommender.services


@pytest.mark.django_db
def test_a_new_and_a_replaced_photo_reach_the_configured_index(settings, monkeypatch) -> None:
    calls: list[tuple[str, list[int]]] = []

    def reembed(*, image_ids: list[int]) -> int:
        calls.append(("reembed", image_ids))
        return 1

    fake = types.ModuleType("fake_index")
    fake.__dict__.update(
        product_image_embed_enqueue=lambda *, image_ids: calls.append(("enqueue", image_ids)),
        product_image_reembed=reembed,
    )
    monkeypatch.setitem(sys.modules, "fake_index", fake)
    settings.CATALOG_IMAGE_INDEX = "fake_index"

    image = services.product_image_create(product=ProductFactory.create(), file=_png(), name="red.png")
    services.product_image_replace(product_image=image, file=_png(), name="red-again.png")

    assert calls == [("enqueue", [image.pk]), ("reembed", [image.pk])]


def test_a_setting_that_names_no_module_fails_loudly(settings) -> None:
    settings.CATALOG_IMAGE_INDEX = "no_such_index_module"
    with pytest.raises(ImportError):
        indexing.product_image_index()
