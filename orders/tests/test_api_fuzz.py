"""A bounded fuzz run of the whole API from its own OpenAPI schema (schemathesis): every operation
of ``/api/schema/`` gets ``FUZZ_EXAMPLES`` generated requests, valid and schema-violating ones,
derandomized (the same requests every run), and none may answer a 5xx. It lives in the top
layer's tests (orders) because it sets up rows of every app; the kernel's tests may import none.

The requests go through the real WSGI application (middleware, authentication, the exception
handler), authenticated with an API token of an approved seller who lists two of the catalog's
products, against a small catalog (a category, three products, one with a photo) so that about
half the generated product and image ids name real rows and the operations do real work.

Marked ``slow`` (about a minute on two cores): ``pytest -m "not slow"`` skips it, ``make test``
and CI run it, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case

from accounts.services import user_api_token_issue
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, seller_create

#: Generated requests per operation (valid and schema-violating together).
FUZZ_EXAMPLES = 25

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = WSGIHandler()
# The token is the fixture's, sent with every request; generated Authorization headers would only
# ever be 401s.
schema.config.generation.update(
    max_examples=FUZZ_EXAMPLES,
    deterministic=True,
    no_shrink=True,
    with_security_parameters=False,
)


@dataclass
class FuzzShop:
    """The rows the fuzz run's requests may name: ids by path parameter name, and the token."""

    ids: dict[str, list[int]]
    token: str


#: The current test's shop, read by :func:`known_ids` while schemathesis generates requests.
_shop: FuzzShop | None = None


@schema.hook("map_path_parameters")
def known_ids(context: Any, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Point an even generated id at a real row (a product, a seller's product, its photo), so the
    operations get past their 404 and do real work; odd ones stay as generated."""
    if _shop is None or not isinstance(path_parameters, dict):  # None: the operation has none
        return path_parameters
    mapped = dict(path_parameters)
    for name, value in path_parameters.items():
        known = _shop.ids.get(name)
        if known and isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
            mapped[name] = known[(value // 2) % len(known)]
    return mapped


@pytest.fixture
def fuzz_shop(db: None) -> Iterator[FuzzShop]:
    """A category, a shop product and two of an approved seller's, one with a photo, and the
    seller's API token."""
    global _shop
    category = CategoryFactory.create(name="Bag", slug="bag")
    seller = seller_create("fuzz-seller@example.com", "Fuzz Bags")
    shop_product = ProductFactory.create(category=category, stock=3)
    listed = [ProductFactory.create(category=category, seller=seller, stock=4) for _ in range(2)]
    image = ProductImageFactory.create(product=listed[0])
    seller_ids = [product.pk for product in listed]
    product_ids = [shop_product.pk, *seller_ids]
    assert Product.objects.count() == 3
    _shop = FuzzShop(
        ids={"id": product_ids, "product_id": seller_ids, "image_id": [image.pk]},
        token=user_api_token_issue(user=seller.user).key,
    )
    # Django's test client does the same: no request may close the test's connection when it
    # starts or finishes (the connection is inside the test's transaction).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield _shop
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
        _shop = None


@pytest.mark.slow
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_no_server_error(case: Case, fuzz_shop: FuzzShop) -> None:
    response = case.call(headers={"Authorization": f"Token {fuzz_shop.token}"})
    case.validate_response(response, checks=[not_a_server_error])
