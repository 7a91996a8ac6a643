"""Every app's domain errors keep the HTTP status the API answered before the shared kernel
(``core.exceptions``; ``core.api.exception_handler`` answers ``status_code``)."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.exceptions import AddressNotFound
from accounts.services import SellerApplicationError
from catalog.exceptions import CategoryNotFound, InsufficientStock, InvalidImage, ProductImageNotFound, ProductNotFound
from core.exceptions import NotFound, ShopError
from orders.exceptions import (
    ExpiredOrderLink,
    InvalidOrderLink,
    InvalidStatusTransition,
    OrderNotFound,
    OrderNotPayable,
)
from orders.services import CheckoutConflict, EmptyCart
from recommender.exceptions import QueryExpired, RecommenderError, SearchUnavailable
from recommender.services import NotEnoughTrainingData
from sellers.bulk_import import BulkImportRefused, RowError
from sellers.exceptions import BulkImportNotFound, SellerNotApproved
from shop.services import InvalidQuantity, ProductUnavailable
from shop.shipping import InvalidShippingMethod

STATUSES: list[tuple[type[ShopError], int]] = [
    (InvalidImage, 400),
    (InsufficientStock, 409),
    (CategoryNotFound, 404),
    (ProductNotFound, 404),
    (ProductImageNotFound, 404),
    (SellerNotApproved, 403),
    (BulkImportRefused, 400),
    (RowError, 400),
    (BulkImportNotFound, 404),
    (AddressNotFound, 404),
    (SellerApplicationError, 400),
    (InvalidStatusTransition, 400),
    (OrderNotPayable, 400),
    (OrderNotFound, 404),
    (InvalidOrderLink, 400),
    (ExpiredOrderLink, 410),
    (EmptyCart, 400),
    (CheckoutConflict, 409),
    (InvalidQuantity, 400),
    (ProductUnavailable, 400),
    (InvalidShippingMethod, 400),
    (RecommenderError, 400),
    (NotEnoughTrainingData, 400),
    (SearchUnavailable, 503),
    (QueryExpired, 404),
]


@pytest.mark.parametrize(("error", "status"), STATUSES, ids=[error.__name__ for error, _ in STATUSES])
def test_each_domain_error_keeps_its_status(error: type[ShopError], status: int) -> None:
    assert issubclass(error, ShopError)
    assert error.status_code == status


def test_every_not_found_is_a_404_page_on_the_web() -> None:
    assert [e for e, status in STATUSES if status == 404] == [e for e, _ in STATUSES if issubclass(e, NotFound)]


def test_an_expired_order_link_is_still_an_invalid_link() -> None:
    # orders.selectors re-raises ExpiredOrderLink before answering other InvalidOrderLink with 404.
    assert issubclass(ExpiredOrderLink, InvalidOrderLink)
    assert InsufficientStock("Only 2 left.", product_names=("Boot",)).product_names == ["Boot"]


def test_each_api_operation_documents_the_errors_it_can_give() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    errors = {
        (path, method): sorted(code for code in operation["responses"] if code >= "400")
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    seller = ["401", "403"]
    assert errors == {
        ("/api/auth/token/", "post"): ["400", "429"],
        ("/api/auth/token/", "delete"): ["401"],
        ("/api/cart/", "get"): [],
        ("/api/cart/lines/", "post"): ["400", "409"],
        ("/api/cart/lines/{product_id}/", "patch"): ["400", "409"],
        ("/api/cart/lines/{product_id}/", "delete"): [],
        ("/api/categories/", "get"): [],
        ("/api/checkout/", "post"): ["400", "409"],
        ("/api/orders/", "get"): ["403"],
        ("/api/orders/{number}/", "get"): ["404", "410"],
        ("/api/products/", "get"): ["400"],
        ("/api/products/{id}/", "get"): ["404"],
        ("/api/products/{id}/similar/", "get"): ["400", "404"],
        ("/api/search/", "get"): ["400", "404"],
        ("/api/search/suggest/", "get"): ["400"],
        ("/api/search/image/", "post"): ["400", "429", "503"],
        ("/api/search/image/{query_id}/", "get"): ["400", "404"],
        ("/api/seller/products/", "get"): seller,
        ("/api/seller/products/", "post"): ["400", *seller],
        ("/api/seller/products/{product_id}/", "get"): [*seller, "404"],
        ("/api/seller/products/{product_id}/", "patch"): ["400", *seller, "404"],
        ("/api/seller/products/{product_id}/images/", "post"): ["400", *seller, "404"],
        ("/api/seller/products/{product_id}/images/{image_id}/", "delete"): [*seller, "404"],
        ("/api/seller/products/{product_id}/status/", "get"): [*seller, "404"],
        ("/api/shipping-methods/", "get"): [],
    }
    # Every {"detail"} refusal documents the one error body.
    refusal = schema["paths"]["/api/search/image/"]["post"]["responses"]["503"]
    assert refusal["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
