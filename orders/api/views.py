"""Checkout (``POST /api/checkout/``: the cart becomes an order waiting for payment) and a
shopper's orders: their history (logged in) and one order (its owner, or a guest's signed link
key). Each view parses its input, calls the same services and selectors as the web views, and
shapes the answer.

Errors (``core.api.exception_handler``): a ``ShopError`` becomes ``{"detail": message}`` with
its class's status: 400, or 409 when the request conflicts with the current state
(``InsufficientStock``: not enough left; ``CheckoutConflict``: a checkout token already used
elsewhere). A Django ``ValidationError`` (e.g. a bad address in ``order_place``) becomes 400
with field errors.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import BAD_REQUEST, error_response
from core.http import client_ip
from orders.exceptions import OrderNotPayable
from orders.models import Order
from orders.selectors import order_get_for_viewer, order_link_url, order_list_for_user
from orders.services import EmptyCart, ShippingAddress, order_place, payment_create
from shop.cart import request_cart

from .serializers import CheckoutResponseSerializer, CheckoutSerializer, OrderDetailSerializer, OrderSerializer


class CheckoutView(APIView):
    @extend_schema(
        request=CheckoutSerializer,
        responses={
            201: OpenApiResponse(CheckoutResponseSerializer, description="Order placed, waiting for payment."),
            200: OpenApiResponse(
                CheckoutResponseSerializer, description="This checkout_token's order, placed by an earlier call."
            ),
            400: BAD_REQUEST,
            409: error_response("Not enough stock left, or checkout_token already used for another cart or shopper."),
        },
    )
    def post(self, request: Request) -> Response:
        """Turn the cart into an order waiting for payment, at the catalog's current prices, and
        start its payment. Pay on ``payment_url`` (the web payment page). Idempotent per
        ``checkout_token``."""
        serializer = CheckoutSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        cart = request_cart(request)
        if cart is None:
            raise EmptyCart("Your cart is empty.")
        existed = Order.objects.filter(checkout_token=data["checkout_token"]).exists()
        order = order_place(
            cart=cart,
            user=user,
            email=user.email if user.is_authenticated else data["email"],
            address=ShippingAddress.from_data(data),
            shipping_method=data["shipping_method"],
            checkout_token=data["checkout_token"],
            today=timezone.localdate(),
        )
        try:
            payment_create(order=order, ip_address=client_ip(request))
        except OrderNotPayable:
            pass  # a repeated call for an order paid (or cancelled) since: its page says which
        body = {
            "order": order,
            "payment_url": order_link_url(order=order, absolute=True, view="orders:order_pay"),
            "order_url": order_link_url(order=order, absolute=True),
        }
        return Response(
            CheckoutResponseSerializer(body, context={"request": request}).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


@extend_schema_view(
    get=extend_schema(
        responses={200: OrderSerializer(many=True), 403: error_response("Not logged in (no session or token).")}
    )
)
class OrderListView(generics.ListAPIView):
    """The logged-in shopper's orders, newest first (also guest orders placed with an email
    address they have verified)."""

    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Order]:
        return order_list_for_user(user=self.request.user)


class OrderDetailView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("key", str, description="A guest order's signed link key (from order_url)."),
        ],
        responses={
            200: OrderDetailSerializer,
            404: error_response("No such order, or not this viewer's."),
            410: error_response("The link key has expired."),
        },
    )
    def get(self, request: Request, number: str) -> Response:
        """One order, for its owner or anyone with a genuine link key for a guest order. Someone
        else's order and a forged key get the same 404 as an order that does not exist."""
        order = order_get_for_viewer(number=number, user=request.user, key=request.query_params.get("key"))
        return Response(OrderDetailSerializer(order).data)
