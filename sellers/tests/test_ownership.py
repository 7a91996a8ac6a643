"""The ownership rule (``sellers.selectors.seller_owned``) and the places that go through it
(bulk import's refusal of another seller's SKU: ``test_bulk_import``)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Seller
from catalog.exceptions import ProductNotFound
from catalog.models import BulkImport, Product
from catalog.tests.factories import ProductFactory
from sellers.selectors import seller_owned, seller_product_get, seller_product_list

pytestmark = pytest.mark.django_db


def test_a_seller_owns_exactly_the_rows_they_listed_or_started(alice: Seller, bob: Seller) -> None:
    mine = ProductFactory.create(seller=alice)
    theirs = ProductFactory.create(seller=bob)
    shop_own = ProductFactory.create(seller=None)
    assert list(seller_owned(Product.objects.order_by("pk"), seller=alice)) == [mine]
    assert list(seller_owned(Product.objects.order_by("pk"), seller=bob)) == [theirs]
    assert shop_own not in seller_owned(Product.objects.all(), seller=alice)
    my_import = BulkImport.objects.create(seller=alice)
    BulkImport.objects.create(seller=bob)
    assert list(seller_owned(BulkImport.objects.all(), seller=alice)) == [my_import]


def test_the_seller_selectors_follow_the_rule(alice: Seller, bob: Seller) -> None:
    mine, theirs = ProductFactory.create(seller=alice), ProductFactory.create(seller=bob)
    assert [p.pk for p in seller_product_list(seller=alice)] == [mine.pk]
    assert seller_product_get(seller=alice, product_id=mine.pk) == mine
    with pytest.raises(ProductNotFound, match="No such product."):
        seller_product_get(seller=alice, product_id=theirs.pk)


def test_another_sellers_import_is_not_found(client: Client, alice: Seller, bob: Seller) -> None:
    theirs = BulkImport.objects.create(seller=bob)
    mine = BulkImport.objects.create(seller=alice)
    client.force_login(alice.user)
    assert client.get(f"/sell/imports/{theirs.pk}/").status_code == 404
    assert client.get(f"/sell/imports/{theirs.pk}/status/").status_code == 404
    assert client.get(f"/sell/imports/{mine.pk}/status/").status_code == 200
