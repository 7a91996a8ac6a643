from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalog.exceptions import ProductNotFound
from catalog.filters import ProductFilter
from catalog.models import Category, Product
from catalog.selectors import category_list, product_get, product_list
from catalog.text_search import product_text_search
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
        OpenApiParameter(
            "sort",
            str,
            enum=["newest", "price_asc", "price_desc"],
            description="Order (default newest; best match with search)",
        ),
        OpenApiParameter("search", str, description="Words to search for (the text search of /api/search/)"),
    ]
)
@extend_schema_view(
    list=extend_schema(responses={200: ProductSummarySerializer(many=True), 400: BAD_REQUEST}),
    retrieve=extend_schema(responses={200: ProductDetailSerializer, 404: NOT_FOUND}),
)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Active products. List: filter by category and price, sort by newest or price; ``search``
    finds products by words (best match first), as ``/api/search/`` does."""

    filterset_class = ProductFilter
    filter_backends: list = []  # filtering happens in the selector, which validates the same filter set

    def get_serializer_class(self) -> type[BaseSerializer[Product]]:
        return ProductDetailSerializer if self.action == "retrieve" else ProductSummarySerializer

    def get_queryset(self) -> QuerySet[Product]:
        queryset, filterset = product_list(filters=self.request.query_params.dict())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        words = request.query_params.get("search", "")
        if not words.strip():
            return super().list(request, *args, **kwargs)
        _, filterset = product_list(filters=request.query_params.dict())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        cleaned = filterset.form.cleaned_data
        paginator = self.paginator
        assert isinstance(paginator, PageNumberPagination)
        page_size = paginator.get_page_size(request) or api_settings.PAGE_SIZE or 24
        try:
            page = int(request.query_params.get(paginator.page_query_param, "1"))
        except ValueError:
            raise NotFound("Invalid page.") from None
        count, products = product_text_search().product_search_page(
            query=words,
            category=cleaned["category"].slug if cleaned.get("category") else None,
            min_price=cleaned.get("min_price"),
            max_price=cleaned.get("max_price"),
            sort=request.query_params.get("sort") or None,
            page=max(page, 1),
            page_size=page_size,
        )
        if page < 1 or (page > 1 and not products):
            raise NotFound("Invalid page.")
        url = request.build_absolute_uri()
        has_next = page * page_size < count
        return Response(
            {
                "count": count,
                "next": replace_query_param(url, paginator.page_query_param, page + 1) if has_next else None,
                "previous": (
                    None
                    if page == 1
                    else remove_query_param(url, paginator.page_query_param)
                    if page == 2
                    else replace_query_param(url, paginator.page_query_param, page - 1)
                ),
                "results": self.get_serializer(products, many=True).data,
            }
        )

    def get_object(self) -> Product:
        # The router's route takes any path segment ("null,null"); only a number names a product.
        pk: str = self.kwargs["pk"]
        if not (pk.isascii() and pk.isdigit()):
            raise ProductNotFound("No such product.")
        return product_get(pk=int(pk))
