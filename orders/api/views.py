"""A shopper's orders: their history (logged in) and one order (its owner, or a guest's signed
link key). Placing orders is ``POST /api/checkout/`` (``shop.api.views.CheckoutView``)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import error_response
from orders.models import Order
from orders.selectors import order_get_for_viewer, order_list_for_user

from .serializers import OrderDetailSerializer, OrderSerializer


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
