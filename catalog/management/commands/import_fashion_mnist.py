from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify
from tqdm import tqdm

from catalog import fashion_mnist as fm
from catalog.models import Product
from catalog.services import VariantSpec, category_get_or_create, product_create, product_image_create


class Command(BaseCommand):
    help = (
        "Build catalog products from Fashion-MNIST *train* images (Zalando Research, MIT): "
        "10 categories; each photo dyed in one of 12 named shop colours (deterministic per image), upscaled, "
        "on white; named after colour and category ('Burgundy ankle boot'); deterministic demo prices; "
        "size runs by category (EU 36-46 footwear, XS-XXL tops, dresses and coats, W28-W38 trousers, bags one size) "
        "with deterministic per-size stock. "
        "Safe to re-run: existing SKUs are skipped. Embedding is left to `manage.py embed_images`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--per-category", type=int, default=200, help="Products per category (default 200).")
        parser.add_argument("--data-dir", type=Path, default=None, help="Where the idx files are or go.")
        parser.add_argument("--photo-size", type=int, default=224, help="Side of the stored photos in pixels.")
        parser.add_argument("--embed", action="store_true", help="Enqueue each new image for embedding.")

    def handle(self, *args: Any, **options: Any) -> None:
        per_category = options["per_category"]
        if per_category < 1 or per_category > 6000:
            raise CommandError("--per-category must be between 1 and 6000.")
        try:
            directory, images, labels = fm.load("train", data_dir=options["data_dir"])
        except fm.DatasetUnavailable as exc:
            raise CommandError(str(exc)) from exc
        categories = [
            category_get_or_create(name=name, slug=slug, position=position, size_run=fm.SIZE_RUNS[position])
            for position, (name, slug, _) in enumerate(fm.CATEGORIES)
        ]
        indices = fm.balanced_indices(labels, per_category)
        existing = set(Product.objects.filter(sku__startswith="FM-").values_list("sku", flat=True))
        created = 0
        for index in tqdm(indices, desc="Importing", unit="product"):
            index = int(index)
            sku = f"FM-{index:06d}"
            if sku in existing:
                continue
            label = int(labels[index])
            colour_name, colour = fm.product_colour(index)
            name = fm.product_name(label, colour_name)
            buffer = io.BytesIO()
            photo = fm.to_product_photo(images[index], size=options["photo_size"], colour=colour)
            photo.save(buffer, format="PNG", optimize=True)
            buffer.seek(0)
            with transaction.atomic():
                product = product_create(
                    category=categories[label],
                    name=name,
                    slug=slugify(f"{name}-{sku}"),
                    sku=sku,
                    price=fm.demo_price(label, index),
                    variants=[VariantSpec(size=size, stock=stock) for size, stock in fm.demo_sizes(label, index)],
                    description=fm.product_description(label, colour_name, index),
                )
                product_image_create(
                    product=product,
                    file=buffer,
                    name=f"{sku.lower()}.png",
                    enqueue=options["embed"],
                    thumbnails=False,  # made on first view: keeps a 2,000-product import quick
                )
            created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {created} products ({len(indices) - created} already present) from {directory}."
            )
        )
