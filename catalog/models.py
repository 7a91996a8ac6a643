from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from imagekit.models import ImageSpecField
from pilkit.processors import ResizeToFit

from accounts.models import Seller
from core.money import money_field
from core.storage import private_storage

from .colours import COLOUR_CHOICES
from .sizes import SizeRun, size_label


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the home page.")
    # The sizes its products come in (catalog.sizes): what the product page offers and sorts by.
    size_run = models.CharField(max_length=20, choices=SizeRun.choices, default=SizeRun.ONE_SIZE)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("shop:category_detail", kwargs={"slug": self.slug})


class Product(models.Model):
    class IndexingStatus(models.TextChoices):
        """Whether shoppers can find a product by photo yet (``product_indexing_status``). The
        values are the API's and the dashboard script's vocabulary; the labels are shown."""

        INDEXING = "indexing", "indexing…"
        INDEXED = "indexed", "indexed"
        FAILED = "failed", "failed"
        NO_PHOTOS = "no photos", "no photos"

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    # The seller who lists it (None: the shop's own catalog, e.g. the Fashion-MNIST import).
    seller = models.ForeignKey(
        "accounts.Seller", null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    sku = models.CharField("SKU", max_length=64, unique=True)
    description = models.TextField(blank=True)
    price = money_field(validators=[MinValueValidator(Decimal("0.00"))])
    # The sum of its variants' stock, kept by the catalog's stock services in the same
    # transaction as theirs (search, in-stock filters and cards read it, never the variants).
    stock = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True, db_index=True)
    # The dominant colour of its primary photo, named in the shop palette (catalog.colours) by the
    # embedding worker; "" until a photo has been analysed. Shown, filtered and searched by.
    colour = models.CharField(max_length=20, blank=True, choices=COLOUR_CHOICES, db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["category", "is_active", "-created_at"], name="product_cat_active_new_idx"),
            models.Index(fields=["category", "is_active", "price"], name="product_cat_active_price_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_gte_0"),
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="product_stock_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sellable(self) -> bool:
        """Listed and sold: active, and the shop's own or an approved seller's (a suspended or
        rejected seller's products disappear with them). The Python twin of ``sellable_q``."""
        return self.is_active and (self.seller is None or self.seller.status == Seller.Status.APPROVED)

    def get_absolute_url(self) -> str:
        return reverse("shop:product_detail", kwargs={"slug": self.slug})

    @property
    def primary_image(self) -> ProductImage | None:
        """The first image by position. Uses prefetched images when present, or the
        ``primary_image_name`` annotation of ``catalog.selectors.products_by_ids`` (an
        unsaved ``ProductImage`` carrying just the file, for product cards)."""
        if "images" not in getattr(self, "_prefetched_objects_cache", {}) and hasattr(self, "primary_image_name"):
            name = self.primary_image_name
            return ProductImage(product=self, image=name) if name else None
        images = list(self.images.all())
        return images[0] if images else None

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def has_sizes(self) -> bool:
        """Whether it is bought in a size (its category has a size run): a product card then
        asks for a size on the product page instead of adding to the cart. Reads ``category``
        (select it with the product, as card queries do)."""
        return self.category.size_run != SizeRun.ONE_SIZE


class ProductVariant(models.Model):
    """What a shopper buys: a product in one size, with its own SKU, stock and (optionally) price.

    Every product has at least one; a product without sizes has one whose ``size`` is "" (one
    size). ``position`` is the size's place in its category's run (``catalog.sizes``)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    size = models.CharField(max_length=20, blank=True)
    sku = models.CharField("SKU", max_length=64, unique=True)
    stock = models.PositiveIntegerField(default=0)
    # None: the product's price.
    price = money_field(null=True, blank=True, validators=[MinValueValidator(Decimal("0.00"))])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "size"], name="productvariant_unique_size"),
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="productvariant_stock_gte_0"),
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gte=0), name="productvariant_price_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.size_label})" if self.size else str(self.product)

    @property
    def size_label(self) -> str:
        """The size as shoppers read it ("EU 42", "One size")."""
        return size_label(self.size)

    @property
    def unit_price(self) -> Decimal:
        """What one unit costs, in SHOP_CURRENCY: its own price, else the product's."""
        return self.price if self.price is not None else self.product.price

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class ProductImage(models.Model):
    class EmbeddingStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        EMBEDDED = "embedded", "Embedded"
        FAILED = "failed", "Failed"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True, editable=False)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    position = models.PositiveSmallIntegerField(default=0)
    embedding_status = models.CharField(
        max_length=10, choices=EmbeddingStatus.choices, default=EmbeddingStatus.PENDING, db_index=True
    )
    embedding_error = models.TextField(blank=True)
    # Set when this photo's embedding is at least NEAR_DUPLICATE_MIN_SIMILARITY (cosine) to a
    # photo of another product: a possible duplicate listing, shown to the seller and staff.
    duplicate_of = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    duplicate_similarity = models.FloatField(null=True, blank=True, editable=False)
    # The item's dominant colours (its pixels only, not the background), named in the shop palette
    # by the embedding worker (recommender.colour): ``colour`` is the first, ``colours`` all of them
    # as [{"name": "Red", "share": 0.82}, ...], shares of the item's pixels, largest first.
    colour = models.CharField(max_length=20, blank=True, choices=COLOUR_CHOICES, editable=False)
    colours = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # Resized copies (django-imagekit), made when the photo is uploaded (``product_image_create``)
    # or on first use; their existence is remembered in the cache, not looked up per request.
    thumb = ImageSpecField(
        source="image", processors=[ResizeToFit(96, 96, upscale=False)], format="WEBP", options={"quality": 85}
    )
    card = ImageSpecField(
        source="image", processors=[ResizeToFit(320, 320, upscale=False)], format="WEBP", options={"quality": 85}
    )
    large = ImageSpecField(
        source="image", processors=[ResizeToFit(960, 960, upscale=False)], format="WEBP", options={"quality": 88}
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.product} #{self.position}"


def bulk_import_file_name(instance: BulkImport, filename: str) -> str:
    """Where an import's upload is stored: ``imports/<uuid4 hex><extension of filename>``."""
    return f"imports/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class BulkImport(models.Model):
    """A seller's CSV of products plus a ZIP of their photos, imported by a Celery task.
    Progress and row-level errors are kept here for the import page to show."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, related_name="imports")
    # Private (never under the public /media/), under unguessable names, and deleted when the
    # import finishes: the CSV lists unpublished products, the ZIP holds original photos (EXIF, GPS).
    csv_file = models.FileField(upload_to=bulk_import_file_name, storage=private_storage)
    zip_file = models.FileField(upload_to=bulk_import_file_name, storage=private_storage, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    image_count = models.PositiveIntegerField(default=0)
    # [{"row": 3, "sku": "X-1", "message": "..."}], row numbers as in a spreadsheet (header = 1).
    errors = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)  # why the whole file was refused (e.g. missing columns)
    # Runs started (deliveries of the task, retries included): bounded, so an import that kills
    # its worker is marked failed instead of redelivered forever (sellers.bulk_import).
    attempt_count = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)  # of the latest run
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.seller})"

    @property
    def progress_percent(self) -> int:
        return 100 if self.status == self.Status.DONE else int(100 * self.processed_rows / max(self.total_rows, 1))


def sellable_q(prefix: str = "") -> models.Q:
    """The condition for products shown and sold (``Product.is_sellable``): active, and the
    shop's own or an approved seller's; ``prefix`` reaches a product through a relation
    (``"product__"``)."""
    return models.Q(**{f"{prefix}is_active": True}) & (
        models.Q(**{f"{prefix}seller__isnull": True}) | models.Q(**{f"{prefix}seller__status": Seller.Status.APPROVED})
    )


def seller_sellable_sql(pk: str) -> tuple[str, tuple[str]]:
    """The seller half of ``sellable_q`` for raw SQL over products: ``(sql, params)``, true unless
    the product whose id is the column ``pk`` belongs to a seller who is not approved. The
    subquery (the few non-approved sellers' products) is evaluated once per query."""
    sql = (
        f"{pk} NOT IN (SELECT cp.id FROM catalog_product cp JOIN accounts_seller s ON s.id = cp.seller_id "
        "WHERE s.status <> %s)"
    )
    return sql, (Seller.Status.APPROVED.value,)
