"""Sellers: application and approval, the dashboard, and that a seller sees and changes only
their own products (checked in the services, so pages and API share the rule)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Seller, User
from accounts.services import seller_decide
from accounts.tests.factories import UserFactory
from catalog.exceptions import ProductNotFound
from catalog.models import Category, Product, ProductImage
from catalog.tests.factories import SELLER_PASSWORD, ProductFactory, seller_create
from catalog.tests.image_files import photo
from sellers.exceptions import SellerNotApproved
from sellers.services import seller_product_create, seller_product_set_active, seller_product_update

pytestmark = pytest.mark.django_db
PASSWORD = SELLER_PASSWORD


def _upload(row: int = 0, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or f"photo{row}.png", photo("PNG", row), content_type="image/png")


def _alice_product(alice: Seller, category: Category) -> Product:
    return seller_product_create(
        seller=alice, category=category, name="Tote", sku="AL-1", price=Decimal("30.00"), stock=3,
        images=[_upload(0), _upload(1)],
    )  # fmt: skip


def test_approved_seller_publishes_with_photos_enqueued(alice, category, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        product = _alice_product(alice, category)
    assert (product.seller, product.slug, product.is_active) == (alice, "tote-al-1", True)
    assert list(product.images.values_list("position", "embedding_status")) == [(0, "pending"), (1, "pending")]
    assert len(callbacks) == 2  # each photo enqueued for embedding, after commit


def test_an_applicant_cannot_publish(category):
    carol = seller_create("carol@example.com", "Carol's", status="applied")
    with pytest.raises(SellerNotApproved):
        seller_product_create(seller=carol, category=category, name="X", sku="C-1", price=Decimal("1"), stock=1)
    assert Product.objects.count() == 0


def test_a_bad_photo_publishes_nothing(alice, category, media_files):
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(Exception, match="not a JPEG, PNG or WebP"):
        seller_product_create(
            seller=alice, category=category, name="T", sku="AL-9", price=Decimal("1"), stock=1,
            images=[_upload(0), bad],
        )  # fmt: skip
    assert Product.objects.count() == 0 and ProductImage.objects.count() == 0


def test_services_refuse_another_sellers_product(alice, bob, category):
    product = _alice_product(alice, category)
    with pytest.raises(ProductNotFound, match="^No such product.$"):
        seller_product_update(seller=bob, product_id=product.pk, data={"price": Decimal("0.01")})
    with pytest.raises(ProductNotFound, match="^No such product.$"):
        seller_product_set_active(seller=bob, product_id=product.pk, is_active=False)
    photo = product.images.first()
    assert photo is not None
    with pytest.raises(ProductNotFound, match="^No such product.$"):
        seller_product_update(seller=bob, product_id=product.pk, data={}, remove_image_ids=[photo.pk])
    shop_product = ProductFactory.create()  # the shop's own catalog: no seller's
    with pytest.raises(ProductNotFound, match="^No such product.$"):
        seller_product_update(seller=alice, product_id=shop_product.pk, data={"price": Decimal("0.01")})
    product.refresh_from_db()
    assert (product.price, product.is_active, product.images.count()) == (Decimal("30.00"), True, 2)


def test_update_removes_only_its_own_photos_and_appends_new_ones(alice, bob, category):
    mine = _alice_product(alice, category)
    theirs = seller_product_create(
        seller=bob, category=category, name="Boot", sku="BO-1", price=Decimal("50"), stock=1, images=[_upload(2)]
    )
    first, second = mine.images.all()
    seller_product_update(
        seller=alice, product_id=mine.pk, data={"price": Decimal("35.00")}, new_images=[_upload(3)],
        remove_image_ids=[first.pk, theirs.images.get().pk],
    )  # fmt: skip
    mine.refresh_from_db()
    assert mine.price == Decimal("35.00")
    assert list(mine.images.values_list("position", flat=True)) == [1, 2]
    assert theirs.images.count() == 1


def test_a_suspended_seller_can_archive_but_not_publish(alice, category):
    product = _alice_product(alice, category)
    staff = User.objects.get(is_staff=True)
    seller_decide(seller=alice, status=Seller.Status.SUSPENDED, actor=staff)
    alice.refresh_from_db()
    seller_product_set_active(seller=alice, product_id=product.pk, is_active=False)
    with pytest.raises(SellerNotApproved):
        seller_product_set_active(seller=alice, product_id=product.pk, is_active=True)
    assert Product.objects.get(pk=product.pk).is_active is False


# --- Pages ----------------------------------------------------------------------------------


def _login(client: Client, seller: Seller) -> Client:
    client.force_login(seller.user)
    return client


def test_apply_then_wait_for_approval(client):
    user = UserFactory.create(email="dave@example.com", password=PASSWORD)
    client.force_login(user)
    assert client.get(reverse("sellers:dashboard"))["Location"] == "/sell/apply/"
    response = client.post(reverse("sellers:seller_apply"), {"store_name": "Dave's Denim"}, follow=True)
    assert b"waiting for approval" in response.content
    assert Seller.objects.get(user=user).status == "applied"
    assert client.get(reverse("sellers:dashboard"))["Location"] == "/sell/apply/"  # no dashboard before approval
    assert client.get(reverse("sellers:product_create"))["Location"] == "/sell/apply/"
    assert client.post(reverse("sellers:seller_apply"), {"store_name": "Again"}).status_code == 200
    assert Seller.objects.count() == 1


def test_shoppers_and_visitors_cannot_reach_the_dashboard(client):
    assert client.get(reverse("sellers:dashboard"))["Location"].startswith("/accounts/login/")
    assert client.get(reverse("sellers:dashboard_status")).status_code == 302
    client.force_login(UserFactory.create(email="shopper@example.com", password=PASSWORD))
    assert client.get(reverse("sellers:dashboard"))["Location"] == "/sell/apply/"
    assert client.get(reverse("sellers:dashboard_status"), HTTP_ACCEPT="application/json").status_code == 403


def test_dashboard_lists_only_own_products_with_status(client, alice, bob, category):
    mine = _alice_product(alice, category)
    seller_product_create(seller=bob, category=category, name="Boot", sku="BO-1", price=Decimal("5"), stock=1)
    page = _login(client, alice).get(reverse("sellers:dashboard")).content.decode()
    assert "Tote" in page and "AL-1" in page and "BO-1" not in page
    assert f'data-product-status="{mine.pk}">indexing…<' in page
    ProductImage.objects.filter(product=mine).update(embedding_status="embedded")
    assert client.get(reverse("sellers:dashboard_status")).json() == {
        "products": {str(mine.pk): {"status": "indexed", "label": "indexed", "duplicates": []}}
    }


def test_create_page_publishes_with_several_photos(client, alice, category):
    response = _login(client, alice).post(
        reverse("sellers:product_create"),
        {
            "name": "Weekend bag", "sku": "AL-7", "category": category.pk, "price": "89.00", "stock": "4",
            "description": "Canvas.", "images": [_upload(4), _upload(5)],
        },
    )  # fmt: skip
    assert response.status_code == 302
    product = Product.objects.get(sku="AL-7")
    assert (product.seller, product.images.count(), product.price) == (alice, 2, Decimal("89.00"))


def test_create_page_refuses_bad_input_clearly(client, alice, category):
    _login(client, alice)
    base = {"name": "Bag", "sku": "AL-8", "category": category.pk, "price": "-1", "stock": "2"}
    response = client.post(reverse("sellers:product_create"), {**base, "images": [_upload(0)]})
    assert response.status_code == 400 and "price" in response.context["form"].errors
    response = client.post(reverse("sellers:product_create"), {**base, "price": "5"})
    assert "Add at least one photo" in response.content.decode()
    bad = SimpleUploadedFile("bag.png", b"\x89PNG garbage", content_type="image/png")
    response = client.post(reverse("sellers:product_create"), {**base, "price": "5", "images": [bad]})
    assert response.status_code == 400 and "not a JPEG, PNG or WebP" in response.content.decode()
    assert Product.objects.count() == 0


@pytest.mark.parametrize("method,path", [
    ("get", "/sell/products/{id}/edit/"),
    ("post", "/sell/products/{id}/edit/"),
    ("post", "/sell/products/{id}/archive/"),
    ("post", "/sell/products/{id}/reindex/"),
])  # fmt: skip
def test_pages_answer_404_for_another_sellers_product(client, alice, bob, category, method, path):
    product = _alice_product(alice, category)
    _login(client, bob)
    data = {"name": "Hijacked", "category": category.pk, "price": "0.01", "stock": "0"}
    response = getattr(client, method)(path.format(id=product.pk), data if method == "post" else None)
    assert response.status_code == 404
    product.refresh_from_db()
    assert (product.name, product.price, product.is_active) == ("Tote", Decimal("30.00"), True)


def test_edit_page_changes_fields_but_not_the_sku(client, alice, category):
    product = _alice_product(alice, category)
    response = _login(client, alice).post(
        reverse("sellers:product_edit", kwargs={"product_id": product.pk}),
        {"name": "Big tote", "sku": "HACK", "category": category.pk, "price": "32.50", "stock": "7", "description": ""},
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.sku, product.price, product.stock) == ("Big tote", "AL-1", Decimal("32.50"), 7)


def test_archive_hides_from_the_shop_and_publish_brings_back(client, alice, category):
    product = _alice_product(alice, category)
    _login(client, alice).post(reverse("sellers:product_archive", kwargs={"product_id": product.pk}))
    assert client.get(product.get_absolute_url()).status_code == 404
    client.post(reverse("sellers:product_archive", kwargs={"product_id": product.pk}), {"publish": "1"})
    assert client.get(product.get_absolute_url()).status_code == 200


def test_staff_approve_sellers_in_admin(admin_client):
    carol = seller_create("carol@example.com", "Carol's", status="applied")
    response = admin_client.post(
        reverse("admin:accounts_seller_changelist"), {"action": "approve", "_selected_action": [carol.pk]}, follow=True
    )
    assert response.status_code == 200
    carol.refresh_from_db()
    assert carol.status == "approved"
    assert carol.decided_by is not None and carol.decided_by.email == "admin@example.com"


def test_retry_indexing_requeues_failed_photos_of_own_product_only(
    client, alice, bob, category, monkeypatch, django_capture_on_commit_callbacks
):
    from recommender import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.product_image_embed_task, "delay", lambda image_id: sent.append(image_id))
    product = _alice_product(alice, category)
    ProductImage.objects.filter(product=product).update(embedding_status="failed", embedding_error="worker died")
    assert "Retry indexing" in _login(client, alice).get(reverse("sellers:dashboard")).content.decode()
    _login(client, bob)
    assert client.post(reverse("sellers:product_reindex", kwargs={"product_id": product.pk})).status_code == 404
    assert set(ProductImage.objects.filter(product=product).values_list("embedding_status", flat=True)) == {"failed"}
    _login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sellers:product_reindex", kwargs={"product_id": product.pk}), follow=True)
    assert "2 photo(s) queued for indexing again." in response.content.decode()
    assert set(ProductImage.objects.filter(product=product).values_list("embedding_status", flat=True)) == {"pending"}
    assert sorted(sent) == sorted(product.images.values_list("pk", flat=True))
