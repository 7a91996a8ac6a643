from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import product_get
from core.api.schema import BAD_REQUEST, NOT_FOUND
from recommender.selectors import product_similar_list

from .serializers import SimilarProductSerializer


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
