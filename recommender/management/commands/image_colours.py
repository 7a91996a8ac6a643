from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from catalog.models import ProductImage
from recommender.services import product_images_colour


class Command(BaseCommand):
    help = (
        "Name the dominant colours of product photos that have none yet (the embedding worker does "
        "this for every new photo; this is for catalogs embedded before it did), without re-embedding "
        "them. Resumable. --all analyses every photo again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument("--all", action="store_true", help="Analyse every photo, not only those without colours.")

    def handle(self, *args: Any, **options: Any) -> None:
        photos = ProductImage.objects.all() if options["all"] else ProductImage.objects.filter(colour="")
        ids = list(photos.order_by("id").values_list("pk", flat=True))
        if not ids:
            self.stdout.write("Nothing to do: every photo has its colours.")
            return
        batch_size = max(1, options["batch_size"])
        done = 0
        with tqdm(total=len(ids), desc="Colours", unit="img") as bar:
            for start in range(0, len(ids), batch_size):
                chunk = ids[start : start + batch_size]
                done += product_images_colour(image_ids=chunk)
                bar.update(len(chunk))
        named = ProductImage.objects.filter(pk__in=ids).exclude(colour="").count()
        self.stdout.write(self.style.SUCCESS(f"Analysed {done} photos; {named} now have a colour."))
