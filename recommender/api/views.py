from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.exceptions import CategoryNotFound, InvalidImage
from catalog.selectors import product_get
from core.api.schema import BAD_REQUEST, NOT_FOUND, UNAVAILABLE, error_response
from core.exceptions import ShopError
from recommender.selectors import product_similar_list
from recommender.services import ImageSearchResult, image_search, image_search_by_query

from .serializers import (
    ImageSearchOptionsSerializer,
    ImageSearchRequestSerializer,
    ImageSearchResponseSerializer,
    SimilarProductSerializer,
)


class ProductSimilarView(APIView):
    """The products that look most like this one (never itself; one entry per product)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("same_category", bool, description="Only the product's own category"),
            OpenApiParameter("min_similarity", float, description="Minimum cosine similarity, -1 to 1"),
            OpenApiParameter("min_score", float, description="Minimum match score, 0 to 1 (see the `score` field)"),
            OpenApiParameter("limit", int, description="1-100, default 12"),
        ],
        responses={200: SimilarProductSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        product = product_get(pk=pk)
        params = request.query_params
        try:
            min_similarity = float(params["min_similarity"]) if params.get("min_similarity") else None
            min_score = float(params["min_score"]) if params.get("min_score") else None
            limit = int(params["limit"]) if params.get("limit") else None
        except ValueError:
            raise ValidationError(
                {"detail": "min_similarity and min_score must be numbers and limit an integer."}
            ) from None
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise ValidationError({"min_score": "Must be between 0 and 1."})
        if limit is not None and not 1 <= limit <= 100:
            raise ValidationError({"limit": "Must be between 1 and 100."})
        similar = product_similar_list(
            product=product,
            same_category=params.get("same_category") in ("1", "true", "True"),
            min_similarity=min_similarity,
            min_score=min_score,
            limit=limit,
        )
        return Response(SimilarProductSerializer(similar, many=True, context={"request": request}).data)


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


class ImageSearchView(APIView):
    """Find by photo: phase 1 predicts the photo's category, phase 2 ranks similar products
    (in the predicted category unless ``category`` says otherwise). With ``box``, only that part
    of the photo is searched. The photo is not stored; its vector is kept for 30 minutes under
    the answer's ``query_id``, to refine the search without uploading again."""

    parser_classes = [MultiPartParser, FormParser]
    # A bad photo or an unknown category is a field error (400), as the serializer's would be.
    error_fields: ClassVar[dict[type[ShopError], str]] = {InvalidImage: "image", CategoryNotFound: "category"}

    @extend_schema(
        request=ImageSearchRequestSerializer,
        responses={
            200: ImageSearchResponseSerializer,
            400: OpenApiResponse(description='Field errors, e.g. {"box": ["..."]} or {"image": ["..."]}.'),
            503: UNAVAILABLE,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ImageSearchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = image_search(
            file=data["image"],
            name=data["image"].name,
            box=data.get("box"),
            category=data.get("category") or None,
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            colour=data.get("colour") or None,
            sort=data["sort"],
            limit=data.get("limit"),
        )
        return _image_search_response(request, result)


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
        result = image_search_by_query(
            query_id=query_id,
            category=data.get("category") or None,
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            colour=data.get("colour") or None,
            sort=data["sort"],
            limit=data.get("limit"),
        )
        return _image_search_response(request, result)
