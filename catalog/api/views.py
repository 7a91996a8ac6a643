from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.serializers import BaseSerializer

from catalog.filters import ProductFilter
from catalog.models import Category, Product
from catalog.selectors import category_list, product_get, product_list
from core.api.schema import BAD_REQUEST, NOT_FOUND

from .serializers import CategorySerializer, ProductDetailSerializer, ProductSummarySerializer


class CategoryListView(generics.ListAPIView):
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Category]:
        return category_list()


@extend_schema(
    parameters=[
        OpenApiParameter("category", str, description="Category slug"),
        OpenApiParameter("min_price", float, description="Minimum price (inclusive)"),
        OpenApiParameter("max_price", float, description="Maximum price (inclusive)"),
        OpenApiParameter("sort", str, enum=["newest", "price_asc", "price_desc"], description="Order (default newest)"),
    ]
)
@extend_schema_view(
    list=extend_schema(responses={200: ProductSummarySerializer(many=True), 400: BAD_REQUEST}),
    retrieve=extend_schema(responses={200: ProductDetailSerializer, 404: NOT_FOUND}),
)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Active products. List: filter by category and price, sort by newest or price."""

    filterset_class = ProductFilter
    filter_backends: list = []  # filtering happens in the selector, which validates the same filter set

    def get_serializer_class(self) -> type[BaseSerializer[Product]]:
        return ProductDetailSerializer if self.action == "retrieve" else ProductSummarySerializer

    def get_queryset(self) -> QuerySet[Product]:
        queryset, filterset = product_list(filters=self.request.query_params.dict())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return queryset

    def get_object(self) -> Product:
        return product_get(pk=self.kwargs["pk"])
