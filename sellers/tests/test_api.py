"""The Seller API (token auth): products with photos, edits, archive, photos added and removed,
indexing status; only approved sellers, and only their own products (404 for anyone else's,
with nothing changed)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Seller
from accounts.tests.factories import UserFactory
from catalog.models import Category, Product, ProductImage
from catalog.tests.factories import SELLER_PASSWORD, CategoryFactory, ProductFactory, seller_create
from catalog.tests.image_files import photo
from sellers.services import seller_product_create

pytestmark = pytest.mark.django_db
PASSWORD = SELLER_PASSWORD
PHOTOS_REQUIRED = "Add at least one photo: shoppers find new arrivals by photo."


def _upload(row: int = 0, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or f"photo{row}.png", photo("PNG", row), content_type="image/png")


def _token_client(email: str) -> APIClient:
    """A client authenticated the way an integration would be: a token from email and password."""
    api = APIClient()
    response = api.post(reverse("api:auth-token"), {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


def _variant_json(product: Product) -> dict:
    """The Seller API's shape of a product's one size (no sizes)."""
    variant = product.variants.get()
    return {"id": variant.pk, "size": "", "sku": product.sku, "stock": variant.stock, "price": None}


def _image_json(image: ProductImage) -> dict:
    return {
        "id": image.pk,
        "url": f"http://testserver/media/{image.image.name}",
        "position": image.position,
        "embedding_status": image.embedding_status,
        "width": 224,
        "height": 224,
        "colour": image.colour,
        "colours": image.colours,
    }


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The token endpoint's throttle counts requests in the cache: start every test at zero."""
    cache.clear()
    yield
    cache.clear()


def _photo_files(media_files: Callable[[], list[str]]) -> list[str]:
    """The uploaded originals under MEDIA_ROOT (not the resized copies made from them)."""
    return [name for name in media_files() if name.startswith("products/")]


@pytest.fixture
def alice_api(alice: Seller) -> APIClient:
    return _token_client("alice@example.com")


@pytest.fixture
def bob_api(bob: Seller) -> APIClient:
    return _token_client("bob@example.com")


@pytest.fixture
def tote(alice: Seller, category: Category) -> Product:
    return seller_product_create(
        seller=alice, category=category, name="Tote", sku="AL-1", price=Decimal("30.00"), stock=3,
        description="Canvas.", images=[_upload(0), _upload(1)],
    )  # fmt: skip


def _create_body(**overrides: Any) -> dict:
    body = {
        "name": "Weekend bag",
        "sku": "AL-7",
        "category": "bag",
        "price": "89.00",
        "stock": "4",
        "description": "Waxed canvas.",
        "images": [_upload(4), _upload(5)],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


# --- Create, read ---------------------------------------------------------------------------


def test_seller_creates_a_product_with_two_photos_enqueued_for_embedding(
    alice_api, alice, category, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_api.post(reverse("api:seller-product-list"), _create_body(), format="multipart")
        assert sent == []  # enqueued only once the product and its photos are committed

    assert response.status_code == 201
    product = Product.objects.get(sku="AL-7")
    first, second = product.images.order_by("position")
    assert response.json() == {
        "id": product.pk,
        "name": "Weekend bag",
        "sku": "AL-7",
        "slug": "weekend-bag-al-7",
        "category": "bag",
        "price": "89.00",
        "stock": 4,
        "description": "Waxed canvas.",
        "is_active": True,
        "indexing_status": "indexing",
        "images": [_image_json(first), _image_json(second)],
        "variants": [_variant_json(product)],
    }
    assert [(i["position"], i["embedding_status"]) for i in response.json()["images"]] == [
        (0, "pending"),
        (1, "pending"),
    ]
    assert (product.seller, product.price, product.stock) == (alice, Decimal("89.00"), 4)
    assert len(callbacks) == 2
    assert sent == [first.pk, second.pk]


def test_status_endpoint_follows_the_embeddings(alice_api, tote):
    first, second = tote.images.order_by("position")
    url = reverse("api:seller-product-status", kwargs={"product_id": tote.pk})

    assert alice_api.get(url).json() == {
        "indexing_status": "indexing",
        "images": [
            {"id": first.pk, "embedding_status": "pending", "embedding_error": ""},
            {"id": second.pk, "embedding_status": "pending", "embedding_error": ""},
        ],
    }
    ProductImage.objects.filter(pk=first.pk).update(embedding_status="embedded")
    ProductImage.objects.filter(pk=second.pk).update(embedding_status="failed", embedding_error="Cannot decode.")
    response = alice_api.get(url)
    assert response.status_code == 200
    assert response.json() == {
        "indexing_status": "failed",
        "images": [
            {"id": first.pk, "embedding_status": "embedded", "embedding_error": ""},
            {"id": second.pk, "embedding_status": "failed", "embedding_error": "Cannot decode."},
        ],
    }
    ProductImage.objects.filter(pk=second.pk).update(embedding_status="embedded", embedding_error="")
    assert alice_api.get(url).json()["indexing_status"] == "indexed"


def test_list_shows_only_the_sellers_products_archived_too(alice_api, alice, bob, category, tote):
    archived = seller_product_create(
        seller=alice, category=category, name="Clutch", sku="AL-2", price=Decimal("12.50"), stock=0,
        images=[_upload(2)],
    )  # fmt: skip
    Product.objects.filter(pk=archived.pk).update(is_active=False)
    seller_product_create(
        seller=bob, category=category, name="Boot", sku="BO-1", price=Decimal("50.00"), stock=1, images=[_upload(3)]
    )
    ProductFactory.create(sku="SHOP-1")  # the shop's own catalog

    response = alice_api.get(reverse("api:seller-product-list"))

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert [row["sku"] for row in body["results"]] == ["AL-2", "AL-1"]  # newest first
    assert body["results"][0] == {
        "id": archived.pk,
        "name": "Clutch",
        "sku": "AL-2",
        "slug": "clutch-al-2",
        "category": "bag",
        "price": "12.50",
        "stock": 0,
        "description": "",
        "is_active": False,
        "indexing_status": "indexing",
        "images": [_image_json(archived.images.get())],
        "variants": [_variant_json(archived)],
    }


def test_detail_shows_one_product(alice_api, tote):
    first, second = tote.images.order_by("position")
    response = alice_api.get(reverse("api:seller-product-detail", kwargs={"product_id": tote.pk}))
    assert response.status_code == 200
    assert response.json() == {
        "id": tote.pk,
        "name": "Tote",
        "sku": "AL-1",
        "slug": "tote-al-1",
        "category": "bag",
        "price": "30.00",
        "stock": 3,
        "description": "Canvas.",
        "is_active": True,
        "indexing_status": "indexing",
        "images": [_image_json(first), _image_json(second)],
        "variants": [_variant_json(tote)],
    }


def test_a_seller_can_also_use_the_session(client, alice, tote):
    client.force_login(alice.user)
    response = client.get(reverse("api:seller-product-list"))
    assert (response.status_code, response.json()["count"]) == (200, 1)


# --- Update, archive ------------------------------------------------------------------------


def test_patch_price_and_stock(alice_api, tote):
    response = alice_api.patch(
        reverse("api:seller-product-detail", kwargs={"product_id": tote.pk}),
        {"price": "35.50", "stock": 7, "sku": "AL-1"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["stock"], body["sku"], body["name"]) == ("35.50", 7, "AL-1", "Tote")
    tote.refresh_from_db()
    assert (tote.price, tote.stock, tote.sku, tote.name, tote.is_active) == (Decimal("35.50"), 7, "AL-1", "Tote", True)


def test_patch_multipart_name_category_and_description(alice_api, tote):
    CategoryFactory.create(name="Shoes", slug="shoes")
    response = alice_api.patch(
        reverse("api:seller-product-detail", kwargs={"product_id": tote.pk}),
        {"name": "Shoe bag", "category": "shoes", "description": ""},
        format="multipart",
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["category"], response.json()["description"]) == (
        "Shoe bag",
        "shoes",
        "",
    )
    tote.refresh_from_db()
    assert (tote.name, tote.category.slug, tote.description, tote.slug) == ("Shoe bag", "shoes", "", "tote-al-1")


def test_the_sku_cannot_be_changed(alice_api, tote):
    response = alice_api.patch(
        reverse("api:seller-product-detail", kwargs={"product_id": tote.pk}),
        {"sku": "AL-99", "price": "1.00"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"sku": ["The SKU cannot be changed."]}
    tote.refresh_from_db()
    assert (tote.sku, tote.price) == ("AL-1", Decimal("30.00"))


def test_patch_is_active_archives_and_publishes_again(alice_api, api_shopper, tote):
    url = reverse("api:seller-product-detail", kwargs={"product_id": tote.pk})

    response = alice_api.patch(url, {"is_active": False, "stock": 0}, format="json")

    assert (response.status_code, response.json()["is_active"], response.json()["stock"]) == (200, False, 0)
    tote.refresh_from_db()
    assert (tote.is_active, tote.stock) == (False, 0)
    assert api_shopper.get(reverse("api:product-detail", kwargs={"pk": tote.pk})).status_code == 404
    assert alice_api.get(url).json()["is_active"] is False  # the seller still sees it

    response = alice_api.patch(url, {"is_active": True}, format="json")

    assert (response.status_code, response.json()["is_active"]) == (200, True)
    assert Product.objects.get(pk=tote.pk).is_active is True
    assert api_shopper.get(reverse("api:product-detail", kwargs={"pk": tote.pk})).status_code == 200


@pytest.fixture
def api_shopper() -> APIClient:
    return APIClient()


@pytest.mark.parametrize(
    "body,errors",
    [
        ({"price": "-1.00"}, {"price": ["Ensure this value is greater than or equal to 0.00."]}),
        ({"price": "1.005"}, {"price": ["Ensure that there are no more than 2 decimal places."]}),
        ({"category": "nope"}, {"category": ["No such category: nope."]}),
        ({"stock": 10**12}, {"stock": ["Ensure this value is less than or equal to 1000000."]}),
        ({"stock": -1}, {"stock": ["Ensure this value is greater than or equal to 0."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(alice_api, tote, body, errors):
    response = alice_api.patch(
        reverse("api:seller-product-detail", kwargs={"product_id": tote.pk}),
        {**body, "is_active": False},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == errors
    tote.refresh_from_db()
    assert (tote.name, tote.price, tote.stock, tote.category.slug, tote.is_active) == (
        "Tote",
        Decimal("30.00"),
        3,
        "bag",
        True,
    )


# --- Photos ---------------------------------------------------------------------------------


def test_add_photos_then_delete_one(alice_api, tote, sent, media_files, django_capture_on_commit_callbacks):
    first, second = tote.images.order_by("position")

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.post(
            reverse("api:seller-product-image-list", kwargs={"product_id": tote.pk}),
            {"images": [_upload(6), _upload(7)]},
            format="multipart",
        )

    assert response.status_code == 201
    third, fourth = tote.images.order_by("position")[2:]
    assert response.json()["images"] == [
        _image_json(first),
        _image_json(second),
        _image_json(third),
        _image_json(fourth),
    ]
    assert [third.position, fourth.position] == [2, 3]
    assert response.json()["indexing_status"] == "indexing"
    assert sent == [third.pk, fourth.pk]
    assert len(_photo_files(media_files)) == 4

    first_copies = {first.thumb.name, first.card.name, first.large.name}
    assert first_copies <= set(media_files())
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.delete(
            reverse("api:seller-product-image-detail", kwargs={"product_id": tote.pk, "image_id": first.pk})
        )

    assert (response.status_code, response.content) == (204, b"")
    assert list(tote.images.order_by("position").values_list("pk", flat=True)) == [second.pk, third.pk, fourth.pk]
    assert _photo_files(media_files) == sorted([second.image.name, third.image.name, fourth.image.name])
    # Its resized copies went with it: 3 per remaining photo are left.
    thumbnails = [name for name in media_files() if name.startswith("CACHE/")]
    assert len(thumbnails) == 9 and not first_copies & set(thumbnails)
    assert (
        alice_api.delete(
            reverse("api:seller-product-image-detail", kwargs={"product_id": tote.pk, "image_id": first.pk})
        ).status_code
        == 404
    )


def test_delete_refuses_a_photo_of_another_product(alice_api, alice, bob, category, tote):
    own_other = seller_product_create(
        seller=alice, category=category, name="Clutch", sku="AL-2", price=Decimal("12.50"), stock=1,
        images=[_upload(2)],
    )  # fmt: skip
    theirs = seller_product_create(
        seller=bob, category=category, name="Boot", sku="BO-1", price=Decimal("50.00"), stock=1, images=[_upload(3)]
    )
    for image in (own_other.images.get(), theirs.images.get()):
        response = alice_api.delete(
            reverse("api:seller-product-image-detail", kwargs={"product_id": tote.pk, "image_id": image.pk})
        )
        assert (response.status_code, response.json()) == (404, {"detail": "No such photo of this product."})
    assert (tote.images.count(), own_other.images.count(), theirs.images.count()) == (2, 1, 1)


def test_add_photos_refuses_a_bad_file_and_adds_nothing(alice_api, tote, sent):
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")

    response = alice_api.post(
        reverse("api:seller-product-image-list", kwargs={"product_id": tote.pk}), {"images": [bad]}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {"images": ["The file is not a JPEG, PNG or WebP image."]}
    assert tote.images.count() == 2
    response = alice_api.post(
        reverse("api:seller-product-image-list", kwargs={"product_id": tote.pk}), {}, format="multipart"
    )
    assert (response.status_code, response.json()) == (400, {"images": [PHOTOS_REQUIRED]})
    assert (tote.images.count(), sent) == (2, [])


# --- Who may do what ------------------------------------------------------------------------


def _snapshot(product: Product) -> tuple:
    product.refresh_from_db()
    images = tuple(product.images.order_by("pk").values_list("pk", "position", "image"))
    return (product.name, product.price, product.stock, product.description, product.is_active, images)


def _attempts(product: Product) -> list[tuple[str, str, dict | None, str]]:
    image = product.images.order_by("pk").first()
    base = reverse("api:seller-product-detail", kwargs={"product_id": product.pk})
    assert image is not None
    return [
        ("get", base, None, "json"),
        ("get", f"{base}status/", None, "json"),
        ("patch", base, {"price": "0.01", "stock": 0, "name": "Hijacked"}, "json"),
        ("patch", base, {"is_active": False}, "json"),
        ("post", f"{base}images/", {"images": [_upload(8)]}, "multipart"),
        ("delete", f"{base}images/{image.pk}/", None, "json"),
    ]


def test_another_seller_gets_404_for_everything_and_changes_nothing(bob_api, tote, category, media_files):
    before, files = _snapshot(tote), media_files()

    for method, url, body, fmt in _attempts(tote):
        response = getattr(bob_api, method)(url, body, format=fmt)
        assert (method, url, response.status_code, response.json()) == (
            method,
            url,
            404,
            {"detail": "No such product."},
        )

    assert _snapshot(tote) == before
    assert media_files() == files
    assert bob_api.get(reverse("api:seller-product-list")).json()["count"] == 0


def test_the_shops_own_products_are_nobodys_to_edit(alice_api, category):
    product = ProductFactory.create(category=category, name="House bag", price=Decimal("9.99"), stock=2)
    product.images.create(image=_upload(0), sha256="x" * 64)
    before = _snapshot(product)

    for method, url, body, fmt in _attempts(product):
        assert getattr(alice_api, method)(url, body, format=fmt).status_code == 404

    assert _snapshot(product) == before


def test_an_id_too_large_for_the_database_is_not_found(alice_api):
    # the public URL itself: reverse() cannot build these (the route takes at most 18 digits)
    assert alice_api.get(f"/api/seller/products/{10**19}/").status_code == 404
    assert alice_api.get(f"/api/seller/products/{2**63 - 1}/").status_code == 404


NOT_A_SELLER = "You do not have a seller account: apply to sell first."


def test_a_shopper_is_refused(tote, sent):
    UserFactory.create(email="shopper@example.com", password=PASSWORD)
    api = _token_client("shopper@example.com")

    for response in (
        api.get(reverse("api:seller-product-list")),
        api.post(reverse("api:seller-product-list"), _create_body(), format="multipart"),
        api.get(reverse("api:seller-product-detail", kwargs={"product_id": tote.pk})),
        api.patch(
            reverse("api:seller-product-detail", kwargs={"product_id": tote.pk}), {"price": "0.01"}, format="json"
        ),
    ):
        assert (response.status_code, response.json()) == (403, {"detail": NOT_A_SELLER})
    assert (Product.objects.count(), Product.objects.get().price, sent) == (1, Decimal("30.00"), [])


@pytest.mark.parametrize(
    "status,message",
    [
        (Seller.Status.APPLIED, "Your seller application is waiting for approval."),
        (Seller.Status.REJECTED, "Your seller application was rejected."),
        (Seller.Status.SUSPENDED, "Your seller account is suspended."),
    ],
)
def test_a_seller_not_approved_is_refused_and_nothing_is_written(category, sent, media_files, status, message):
    seller_create("carol@example.com", "Carol's", status=status)
    api = _token_client("carol@example.com")

    create = api.post(reverse("api:seller-product-list"), _create_body(), format="multipart")
    listing = api.get(reverse("api:seller-product-list"))

    assert (create.status_code, create.json()) == (403, {"detail": message})
    assert (listing.status_code, listing.json()) == (403, {"detail": message})
    assert (Product.objects.count(), ProductImage.objects.count(), media_files(), sent) == (0, 0, [], [])


def test_anonymous_requests_must_authenticate(tote, media_files):
    api = APIClient()
    files = media_files()

    for response in (
        api.get(reverse("api:seller-product-list")),
        api.post(reverse("api:seller-product-list"), _create_body(), format="multipart"),
        api.patch(
            reverse("api:seller-product-detail", kwargs={"product_id": tote.pk}), {"price": "0.01"}, format="json"
        ),
        api.get(reverse("api:seller-product-status", kwargs={"product_id": tote.pk})),
    ):
        assert response.status_code == 401
        assert response.json() == {"detail": "Authentication credentials were not provided."}
        assert response["WWW-Authenticate"] == "Token"

    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = api.get(reverse("api:seller-product-list"))
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token."})
    assert (Product.objects.count(), Product.objects.get().price, media_files()) == (1, Decimal("30.00"), files)


# --- Bad input on create --------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides,errors",
    [
        (
            {"images": [SimpleUploadedFile("bag.png", b"\x89PNG garbage", content_type="image/png")]},
            {"images": ["The file is not a JPEG, PNG or WebP image."]},
        ),
        (
            {"images": [SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")]},
            {"images": ["The file is not a JPEG, PNG or WebP image."]},
        ),
        ({"images": None}, {"images": [PHOTOS_REQUIRED]}),
        ({"price": "-1"}, {"price": ["Ensure this value is greater than or equal to 0.00."]}),
        ({"category": "nope"}, {"category": ["No such category: nope."]}),
        ({"stock": str(10**12)}, {"stock": ["Ensure this value is less than or equal to 1000000."]}),
        ({"name": None, "sku": ""}, {"name": ["This field is required."], "sku": ["This field may not be blank."]}),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(alice_api, category, sent, media_files, overrides, errors):
    response = alice_api.post(reverse("api:seller-product-list"), _create_body(**overrides), format="multipart")

    assert response.status_code == 400
    assert response.json() == errors
    assert (Product.objects.count(), ProductImage.objects.count(), media_files(), sent) == (0, 0, [], [])


def test_create_with_a_good_and_a_bad_photo_writes_nothing(alice_api, category, sent, media_files):
    bad = SimpleUploadedFile("bag.png", b"\x89PNG garbage", content_type="image/png")

    response = alice_api.post(
        reverse("api:seller-product-list"), _create_body(images=[_upload(0), bad]), format="multipart"
    )

    assert (response.status_code, response.json()) == (400, {"images": ["The file is not a JPEG, PNG or WebP image."]})
    assert (Product.objects.count(), ProductImage.objects.count(), sent) == (0, 0, [])


def test_create_with_a_good_and_a_bad_photo_leaves_no_file(alice_api, category, media_files):
    bad = SimpleUploadedFile("bag.png", b"\x89PNG garbage", content_type="image/png")

    response = alice_api.post(
        reverse("api:seller-product-list"), _create_body(images=[_upload(0), bad]), format="multipart"
    )

    assert response.status_code == 400
    assert media_files() == []


def test_create_refuses_a_sku_in_use(alice_api, bob, category, sent):
    seller_product_create(
        seller=bob, category=category, name="Boot", sku="AL-7", price=Decimal("50.00"), stock=1, images=[_upload(3)]
    )

    response = alice_api.post(reverse("api:seller-product-list"), _create_body(), format="multipart")

    assert response.status_code == 400
    assert response.json() == {"sku": ["Product with this SKU already exists."]}
    assert (Product.objects.count(), Product.objects.get().seller, ProductImage.objects.count()) == (1, bob, 1)
