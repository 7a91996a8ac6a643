"""Cart and shipping methods. Each view parses its input, calls the same services and
selectors as the web views, and shapes the answer: the rules live in the services. Checkout
(``POST /api/checkout/``) is ``orders.api.views.CheckoutView``.

Errors (``core.api.exception_handler``): a ``ShopError`` becomes ``{"detail": message}`` with
its class's status: 400, or 409 when the request conflicts with the current state
(``InsufficientStock``: not enough left).
"""

from __future__ import annotations

import dataclasses

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import BAD_REQUEST, CONFLICT
from shop.cart import request_cart
from shop.models import Cart
from shop.selectors import cart_summary
from shop.services import ProductUnavailable, cart_add_product, cart_line_remove, cart_line_set_quantity
from shop.shipping import delivery_estimate, shipping_methods

from .serializers import (
    CartLineAddSerializer,
    CartLineUpdateSerializer,
    CartSerializer,
    ShippingMethodSerializer,
)


def _cart_body(request: Request, cart: Cart | None) -> dict:
    return CartSerializer(cart_summary(cart=cart), context={"request": request}).data


# A guest's cart lives in their session; the CSRF cookie lets their next unsafe request through
# ``CsrfSessionAuthentication`` (send it back as the X-CSRFToken header).
@method_decorator(ensure_csrf_cookie, name="dispatch")
class CartView(APIView):
    """The shopper's cart at the catalog's current prices: the session's guest cart, or the
    logged-in (session or token) user's cart. Creates nothing."""

    @extend_schema(responses=CartSerializer)
    def get(self, request: Request) -> Response:
        return Response(_cart_body(request, request_cart(request)))


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CartLineListView(APIView):
    @extend_schema(
        request=CartLineAddSerializer,
        responses={201: CartSerializer, 400: BAD_REQUEST, 409: CONFLICT},
    )
    def post(self, request: Request) -> Response:
        """Add units of one size of a product (to what the cart already holds of it); a guest's
        cart is created on the first add. A product sold in sizes needs `variant_id` or `size`
        (400 without). Answers with the whole cart."""
        serializer = CartLineAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart = request_cart(request, create=True)
        cart_add_product(cart=cart, **serializer.validated_data)
        return Response(_cart_body(request, cart), status=status.HTTP_201_CREATED)


PRODUCT_ID = OpenApiParameter("product_id", int, OpenApiParameter.PATH, description="The line's product id.")
VARIANT_ID = OpenApiParameter(
    "variant_id", int, OpenApiParameter.QUERY, required=False, description="Only this size's line (default: all)."
)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CartLineDetailView(APIView):
    @extend_schema(
        parameters=[PRODUCT_ID],
        request=CartLineUpdateSerializer,
        responses={200: CartSerializer, 400: BAD_REQUEST, 409: CONFLICT},
    )
    def patch(self, request: Request, product_id: str) -> Response:
        """Set a line's quantity (0 removes it); `variant_id` says which size when the cart holds
        several sizes of the product. Answers with the whole cart."""
        serializer = CartLineUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart = request_cart(request)
        if cart is None:  # no cart, so no such line: the service's answer for a missing line
            raise ProductUnavailable("This product is not in your cart.")
        data = serializer.validated_data
        cart_line_set_quantity(
            cart=cart, product_id=int(product_id), variant_id=data["variant_id"], quantity=data["quantity"]
        )
        return Response(_cart_body(request, cart))

    @extend_schema(parameters=[PRODUCT_ID, VARIANT_ID], responses={204: None})
    def delete(self, request: Request, product_id: str) -> Response:
        """Remove a product (every size, or just `?variant_id=`) from the cart (also 204 when it
        was not there)."""
        cart = request_cart(request)
        raw = request.query_params.get("variant_id", "")
        if cart is not None:
            cart_line_remove(cart=cart, product_id=int(product_id), variant_id=int(raw) if raw.isdigit() else None)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShippingMethodListView(APIView):
    @extend_schema(responses=ShippingMethodSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The shipping methods offered, with delivery dates for an order paid today."""
        today = timezone.localdate()
        rows = []
        for method in shipping_methods():
            earliest, latest = delivery_estimate(method=method, start=today)
            rows.append({**dataclasses.asdict(method), "delivery_earliest": earliest, "delivery_latest": latest})
        return Response(ShippingMethodSerializer(rows, many=True).data)
