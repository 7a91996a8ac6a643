from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import BAD_REQUEST, error_response
from search.photo import photo_ranking
from search.selectors import product_search, product_search_suggest

from .serializers import (
    SearchParamsSerializer,
    SearchResponseSerializer,
    SuggestParamsSerializer,
    SuggestResponseSerializer,
)


class SearchView(APIView):
    """Text search over active products: words (typos, partial words, synonyms and colour words
    understood), filters, facets with counts, sort and pages. No character of ``q`` is query
    syntax; an empty ``q`` lists every product (newest first), still faceted. With ``query_id``
    (a find-by-photo answer's), the photo's ranking is fused with the words' (``search.photo``)."""

    @extend_schema(
        parameters=[SearchParamsSerializer],
        responses={
            200: SearchResponseSerializer,
            400: BAD_REQUEST,
            404: error_response("Unknown or expired query_id: search with the photo again."),
        },
    )
    def get(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        results = product_search(
            query=data["q"],
            filters=params.filters(),
            sort=data["sort"],
            page=data["page"],
            page_size=data["page_size"],
            photo_ranking=photo_ranking(query_id=data["query_id"]) if data.get("query_id") else None,
        )
        return Response(SearchResponseSerializer(results, context={"request": request}).data)


class SearchSuggestView(APIView):
    """Suggestions while typing: a corrected query, categories (synonyms too: "trainers" ->
    Sneaker), colours and products, each with the URL picking it opens."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="What has been typed so far"),
            OpenApiParameter("limit", int, description="1-20, default 8"),
        ],
        responses={200: SuggestResponseSerializer, 400: BAD_REQUEST},
    )
    def get(self, request: Request) -> Response:
        params = SuggestParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        suggestions = product_search_suggest(query=params.validated_data["q"], limit=params.validated_data["limit"])
        return Response(SuggestResponseSerializer({"suggestions": suggestions}).data)
