from __future__ import annotations

from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils.text import slugify

from accounts.models import Seller, User
from accounts.services import seller_apply, seller_decide
from accounts.tests.factories import SuperUserFactory, UserFactory
from catalog.models import Category, Product, ProductImage

from .sample import load_sample, sha256


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    position = factory.Sequence(lambda n: n)


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    price = Decimal("19.99")
    stock = 5


def _sample_png(row: int) -> bytes:
    sample = load_sample()
    return sample.png("train", row % len(sample.train_labels))


class ProductImageFactory(factory.django.DjangoModelFactory[ProductImage]):
    """A real 224×224 PNG product photo: Fashion-MNIST sample train row ``sample_row``."""

    class Meta:
        model = ProductImage

    class Params:
        sample_row = factory.Sequence(lambda n: n)
        png = factory.LazyAttribute(lambda o: _sample_png(o.sample_row))

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyAttribute(lambda o: ContentFile(o.png, name=f"sample-{o.sample_row}.png"))
    sha256 = factory.LazyAttribute(lambda o: sha256(o.png))
    width = 224
    height = 224
    position = 0


SELLER_PASSWORD = "seller-password-42"


def seller_create(email: str, store: str, status: str = "approved") -> Seller:
    """A seller through the real services: applied, then (unless ``status`` is "applied")
    decided by a staff user (the first one there is, else a new superuser staff@x.com)."""
    seller = seller_apply(user=UserFactory.create(email=email, password=SELLER_PASSWORD), store_name=store)
    if status != Seller.Status.APPLIED:
        staff = User.objects.filter(is_staff=True).first() or SuperUserFactory.create(
            email="staff@x.com", password=SELLER_PASSWORD
        )
        seller = seller_decide(seller=seller, status=status, actor=staff)
    return seller
