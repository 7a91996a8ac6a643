"""The Seller API: an approved seller's products, photos and indexing status, over token (or
session) authentication. Each view parses its input and calls the same seller services and
selectors as the web dashboard (``sellers.views``); they answer 404 for any product that is
not the seller's own (another seller's, or the shop's catalog), so an id reveals nothing.

Errors (``core.api.exception_handler``): 401 without credentials; 403 ``{"detail"}`` for a user
who is not an approved seller (``SellerNotApproved``); 400 field errors for bad input
(``{"images": [...]}`` for a photo that is not a valid JPEG/PNG/WebP image: ``error_fields``;
``{"sku": [...]}`` for a SKU already in use); 404 ``{"detail"}``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.exceptions import InvalidImage, ProductImageNotFound
from catalog.models import Product
from core.api.authentication import CsrfSessionAuthentication, ExpiringTokenAuthentication
from core.api.schema import BAD_REQUEST, UNAUTHORIZED, error_response
from core.exceptions import ShopError
from sellers.selectors import seller_product_get, seller_product_list
from sellers.services import (
    seller_product_create,
    seller_product_set_active,
    seller_product_update,
)

from .permissions import IsApprovedSeller, request_seller
from .serializers import (
    SellerProductCreateSerializer,
    SellerProductImagesSerializer,
    SellerProductSerializer,
    SellerProductStatusSerializer,
    SellerProductUpdateSerializer,
)

FORBIDDEN = error_response("Not an approved seller (the message says why).")
NOT_FOUND = error_response("No such product among the seller's own.")
PRODUCT_ID = OpenApiParameter("product_id", int, OpenApiParameter.PATH, description="The product's id.")
IMAGE_ID = OpenApiParameter("image_id", int, OpenApiParameter.PATH, description="The photo's id.")


class SellerAPIView(APIView):
    """Authentication, permission and error fields shared by the Seller API views."""

    # Token first: a request without credentials is told to authenticate (401, ``WWW-Authenticate:
    # Token``) rather than refused (403). Both kinds of credentials are accepted.
    authentication_classes = [ExpiringTokenAuthentication, CsrfSessionAuthentication]
    permission_classes = [IsApprovedSeller]
    # A bad photo is a field error on the upload field (core.api.exception_handler). A seller
    # suspended since the permission check gets SellerNotApproved's 403.
    error_fields: ClassVar[dict[type[ShopError], str]] = {InvalidImage: "images"}

    def product_body(self, product: Product) -> dict[str, Any]:
        return SellerProductSerializer(product, context={"request": self.request}).data


class SellerProductListView(SellerAPIView, generics.ListAPIView):
    """The seller's products, archived ones too, newest first (paginated)."""

    serializer_class = SellerProductSerializer
    parser_classes = [MultiPartParser]  # photos: multipart only

    def get_queryset(self) -> QuerySet[Product]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request.seller
            return Product.objects.none()
        return seller_product_list(seller=request_seller(self.request))

    @extend_schema(responses={200: SellerProductSerializer(many=True), 401: UNAUTHORIZED, 403: FORBIDDEN})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SellerProductCreateSerializer,
        responses={201: SellerProductSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        """Publish a product with its photos (multipart; at least one photo, field ``images``,
        repeated for several). The photos are indexed for visual search in the background:
        ``indexing_status`` is "indexing" until then."""
        serializer = SellerProductCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = seller_product_create(seller=request_seller(request), **serializer.validated_data)
        return Response(self.product_body(product), status=status.HTTP_201_CREATED)


class SellerProductDetailView(SellerAPIView, APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        parameters=[PRODUCT_ID],
        responses={200: SellerProductSerializer, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, product_id: str) -> Response:
        """One of the seller's products."""
        product = seller_product_get(seller=request_seller(request), product_id=int(product_id))
        return Response(self.product_body(product))

    @extend_schema(
        parameters=[PRODUCT_ID],
        request=SellerProductUpdateSerializer,
        responses={200: SellerProductSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def patch(self, request: Request, product_id: str) -> Response:
        """Change any of name, category, price, stock, description; archive (``is_active``
        false) or publish again (true). The SKU cannot change. Photos: ``images/``."""
        seller = request_seller(request)
        # Found first, so another seller's id is a 404 whatever the body says.
        product = seller_product_get(seller=seller, product_id=int(product_id))
        serializer = SellerProductUpdateSerializer(data=request.data, partial=True, context={"product": product})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("sku", None)
        is_active = data.pop("is_active", None)
        with transaction.atomic():  # both changes or neither
            if data:
                product = seller_product_update(seller=seller, product_id=product.pk, data=data)
            if is_active is not None:
                product = seller_product_set_active(seller=seller, product_id=product.pk, is_active=is_active)
        return Response(self.product_body(product))


class SellerProductImageListView(SellerAPIView, APIView):
    parser_classes = [MultiPartParser]  # photos: multipart only

    @extend_schema(
        parameters=[PRODUCT_ID],
        request=SellerProductImagesSerializer,
        responses={201: SellerProductSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: Request, product_id: str) -> Response:
        """Add photos after the product's current ones (multipart, field ``images``); each is
        indexed in the background. Answers with the product."""
        seller = request_seller(request)
        product = seller_product_get(seller=seller, product_id=int(product_id))
        serializer = SellerProductImagesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = seller_product_update(
            seller=seller, product_id=product.pk, data={}, new_images=serializer.validated_data["images"]
        )
        return Response(self.product_body(product), status=status.HTTP_201_CREATED)


class SellerProductImageDetailView(SellerAPIView, APIView):
    @extend_schema(
        parameters=[PRODUCT_ID, IMAGE_ID],
        responses={
            204: None,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: error_response("No such product, or no such photo of it."),
        },
    )
    def delete(self, request: Request, product_id: str, image_id: str) -> Response:
        """Remove one of the product's photos (its file is deleted too). Removing the last photo
        is allowed, as on the dashboard: the product then has "no photos"."""
        seller = request_seller(request)
        product = seller_product_get(seller=seller, product_id=int(product_id))
        # The service skips ids that are not this product's photos; the API says so with a 404.
        if not product.images.filter(pk=int(image_id)).exists():
            raise ProductImageNotFound("No such photo of this product.")
        seller_product_update(seller=seller, product_id=product.pk, data={}, remove_image_ids=[int(image_id)])
        return Response(status=status.HTTP_204_NO_CONTENT)


class SellerProductStatusView(SellerAPIView, APIView):
    @extend_schema(
        parameters=[PRODUCT_ID],
        responses={200: SellerProductStatusSerializer, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, product_id: str) -> Response:
        """The product's indexing status and each photo's embedding status, to poll after an
        upload until it is "indexed" (or "failed": ``embedding_error`` says why)."""
        product = seller_product_get(seller=request_seller(request), product_id=int(product_id))
        return Response(SellerProductStatusSerializer(product).data)
