from __future__ import annotations

from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils.text import slugify

from accounts.models import Seller, User
from accounts.services import seller_apply, seller_decide
from accounts.tests.factories import SuperUserFactory, UserFactory
from catalog.models import Category, Product, ProductImage, ProductVariant

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
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    price = Decimal("19.99")
    stock = 5

    @factory.post_generation
    def variants(obj: Product, create: bool, extracted: list[tuple[str, int]] | None, **kwargs: object) -> None:  # noqa: N805  (factory_boy passes the product)
        """One variant of one size holding ``stock`` (and the product's SKU), or, with
        ``variants=[("EU 41", 2), ("EU 42", 0)]``, those sizes (SKU ``<sku>-EU41``...) in that
        order, ``stock`` becoming their sum."""
        if not create:
            return
        sizes = extracted if extracted is not None else [("", obj.stock)]
        for position, (size, stock) in enumerate(sizes):
            sku = f"{obj.sku}-{size.replace(' ', '')}" if size else obj.sku
            ProductVariant.objects.create(product=obj, size=size, sku=sku, stock=stock, position=position)
        if extracted is not None:
            obj.stock = sum(stock for _, stock in sizes)
            Product.objects.filter(pk=obj.pk).update(stock=obj.stock)


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


def stock_set(product: Product, stock: int, *, size: str = "") -> None:
    """Set the stock of one size of ``product`` (its one-size variant by default), the product's
    sum with it, through ``product_variant_stock_set``: "others bought it meanwhile"."""
    from catalog.services import product_variant_stock_set

    product_variant_stock_set(variant=product.variants.get(size=size), stock=stock)
    product.refresh_from_db(fields=["stock"])
