"""Find by photo in the API, with words: ``POST /api/search/image/`` and its refinement
``GET /api/search/image/<query_id>/``. They live in the search app because words sent with the
photo (``q``) are understood and fused with the text search here (``search.photo``); the photo
side is the recommender's (``recommender.services.image_search``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.exceptions import CategoryNotFound, InvalidImage
from core.api.schema import THROTTLED, UNAVAILABLE, error_response
from core.api.throttling import PhotoSearchThrottle
from core.exceptions import ShopError
from recommender.api.serializers import (
    ImageSearchOptionsSerializer,
    ImageSearchRequestSerializer,
    ImageSearchResponseSerializer,
)
from recommender.services import ImageSearchResult, image_search, image_search_by_query
from search.photo import image_search_with_words


def _image_search_response(request: Request, result: ImageSearchResult) -> Response:
    body = {
        "query_id": result.query_id,
        "box": result.box,
        "predicted_category": result.predicted,
        "searched_categories": result.searched,
        "results": result.results,
        "close_match_id": result.close_match.product.pk if result.close_match else None,
    }
    return Response(ImageSearchResponseSerializer(body, context={"request": request}).data)


def _answer_with_words(request: Request, search: Callable[..., ImageSearchResult], data: dict[str, Any]) -> Response:
    """``search`` (the photo or its query id bound) refined by the request's words, colour, sort
    and limit (``search.photo.image_search_with_words``), as the API's answer."""
    result = image_search_with_words(
        search=search,
        q=data.get("q", ""),
        colour=data.get("colour") or None,
        sort=data["sort"],
        limit=data.get("limit"),
    )
    return _image_search_response(request, result)


class ImageSearchView(APIView):
    """Find by photo: phase 1 predicts the photo's category, phase 2 ranks similar products
    (in the predicted category unless ``category`` says otherwise). With ``box``, only that part
    of the photo is searched. With ``q`` ("brown", "brown leather"), colour words keep only
    products of that colour and the other words re-rank the photo's matches (``search.photo``).
    The photo is not stored; its vector is kept for 30 minutes under the answer's ``query_id``,
    to refine the search without uploading again. Limited per user, session and IP
    (``PHOTO_SEARCH_RATE``): past it, 429."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [PhotoSearchThrottle]
    # A bad photo or an unknown category is a field error (400), as the serializer's would be.
    error_fields: ClassVar[dict[type[ShopError], str]] = {InvalidImage: "image", CategoryNotFound: "category"}

    @extend_schema(
        request=ImageSearchRequestSerializer,
        responses={
            200: ImageSearchResponseSerializer,
            400: OpenApiResponse(description='Field errors, e.g. {"box": ["..."]} or {"image": ["..."]}.'),
            429: THROTTLED,
            503: UNAVAILABLE,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ImageSearchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        search = functools.partial(
            image_search,
            file=data["image"],
            name=data["image"].name,
            box=data.get("box"),
            category=data.get("category") or None,
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
        )
        return _answer_with_words(request, search, data)


class ImageSearchQueryView(APIView):
    """Refine a find-by-photo search with other options, without the photo: the vector the
    ``POST`` remembered is searched again. Answers exactly like the ``POST`` (same ``query_id``
    and ``box``); 404 once the query has expired (30 minutes) or is unknown."""

    error_fields: ClassVar[dict[type[ShopError], str]] = {CategoryNotFound: "category"}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "query_id", str, OpenApiParameter.PATH, description="The query_id of a POST /api/search/image/ answer."
            ),
            ImageSearchOptionsSerializer,
        ],
        responses={
            200: ImageSearchResponseSerializer,
            400: OpenApiResponse(description='Field errors, e.g. {"max_price": ["..."]}.'),
            404: error_response("Unknown or expired query_id: search with the photo again."),
        },
    )
    def get(self, request: Request, query_id: str) -> Response:
        serializer = ImageSearchOptionsSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        search = functools.partial(
            image_search_by_query,
            query_id=query_id,
            category=data.get("category") or None,
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
        )
        return _answer_with_words(request, search, data)
