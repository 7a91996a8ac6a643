"""Photo + colour word: does find by photo with "brown" show brown products of the photo's kind?

    manage.py evaluate_photo_words [--per-category 20] [--offset 0] [--sets clean mixed]
                                   [--text-weights 1.0] [--json PATH]

Query photos are Fashion-MNIST *test* images 0-8999 (9000-9999 are never read): for each
category the ``--per-category`` images after its first ``--offset`` (so ``--offset 0`` and
``--offset 20`` are disjoint splits: tune on one, report the other), as catalog-like photos
(``clean``) and as shoppers take them (``mixed``: several variation families of
``recommender.customer_photos``). Each photo is sent twice:

``colour``
    with a colour word (every palette colour in turn, and British/American or everyday synonyms:
    "gray", "maroon", "cream"…): "this, but in brown";
``colour+category``
    with the colour word and an everyday word for the photo's own category ("brown boots",
    "navy trainers"): what a shopper types when the words and the photo agree.

For the first 10 products of the answer (``search.photo.image_search_with_words`` over
``image_search_by_vector``) it prints the share that have the colour asked for and the share in
the photo's category (precision@10 of each; the issue asks ≥ 0.80 for both), and how many
answers had fewer than 10 products; once per ``--text-weights`` value (the fusion's
``SEARCH_FUSION_TEXT_WEIGHT``; the photo's weight stays 1).

Needs an embedded demo catalog with its classifier trained (``make catalog``).
"""

from __future__ import annotations

import functools
import json
import os
import platform
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import override_settings

from catalog import fashion_mnist as fm
from catalog.colours import COLOUR_NAMES
from recommender import evaluation
from recommender.services import image_search_by_vector
from search.photo import image_search_with_words

#: the words a shopper might type for each palette colour (palette names and common synonyms).
COLOUR_WORDS: dict[str, tuple[str, ...]] = {
    "Black": ("black",),
    "White": ("white", "ivory"),
    "Grey": ("grey", "gray"),
    "Navy": ("navy", "navy blue"),
    "Blue": ("blue",),
    "Red": ("red",),
    "Burgundy": ("burgundy", "maroon"),
    "Pink": ("pink",),
    "Green": ("green",),
    "Olive": ("olive", "khaki"),
    "Beige": ("beige", "cream"),
    "Brown": ("brown",),
}


#: everyday words for each category, in Fashion-MNIST label order (shoppers' words, not the
#: synonyms file's heads).
CATEGORY_WORDS: tuple[tuple[str, ...], ...] = (
    ("t-shirt", "top", "tee"),
    ("trousers", "pants", "jeans"),
    ("jumper", "sweater", "pullover"),
    ("dress", "dresses"),
    ("coat", "jacket"),
    ("sandals", "sandal"),
    ("shirt", "blouse"),
    ("trainers", "sneakers"),
    ("bag", "handbag"),
    ("boots", "ankle boots"),
)


def colour_query(index: int) -> tuple[str, str]:
    """(palette colour, the word typed) for query photo ``index``: spread over the palette and
    its words, deterministic."""
    colour = COLOUR_NAMES[(index * 5 + 3) % len(COLOUR_NAMES)]
    words = COLOUR_WORDS[colour]
    return colour, words[(index // len(COLOUR_NAMES)) % len(words)]


class Command(BaseCommand):
    help = "Precision@10 of colour and category for find by photo with a colour word (photo + 'brown')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--per-category", type=int, default=20)
        parser.add_argument("--offset", type=int, default=0, help="Skip each category's first N test images.")
        parser.add_argument("--text-weights", type=float, nargs="+", default=[settings.SEARCH_FUSION_TEXT_WEIGHT])
        parser.add_argument("--sets", nargs="+", default=["clean", "mixed"], choices=evaluation.SETS)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")

    def handle(self, *args: Any, **options: Any) -> None:
        catalog = evaluation.catalog_load()
        if catalog.size == 0:
            raise CommandError("No embedded products: run `make catalog` first.")
        _, images, labels = fm.load("test")
        indices = evaluation.query_indices(labels, options["per_category"], offset=options["offset"])
        report: dict[str, Any] = {
            "date": f"{datetime.now():%Y-%m-%d %H:%M}",
            "machine": f"{platform.node()}, {os.cpu_count()} cores",
            "catalog_products": catalog.size,
            "classifier": catalog.classifier is not None,
            "per_category": options["per_category"],
            "offset": options["offset"],
            "runs": [],
        }
        for name in options["sets"]:
            queries = evaluation.query_set(name, images, labels, indices, seed=options["seed"])
            vectors, _ = evaluation.embed(queries.photos)
            for weight in options["text_weights"]:
                with override_settings(SEARCH_FUSION_TEXT_WEIGHT=weight):
                    for kind in ("colour", "colour+category"):
                        figures = self._run(catalog, vectors, queries.labels, queries.indices, kind)
                        figures.update({"set": name, "queries": kind, "text_weight": weight})
                        report["runs"].append(figures)
                        self.stdout.write(
                            f"{name:<6} {kind:<16} w_text {weight:<4} {figures['photos']} photos: "
                            f"colour P@10 {figures['colour_precision_at_10']:.3f} "
                            f"(dyed {figures['dyed_colour_precision_at_10']}), "
                            f"category P@10 {figures['category_precision_at_10']:.3f}, "
                            f"both {figures['both_precision_at_10']:.3f}; "
                            f"{figures['answers_under_10']} answers under 10"
                        )
        if options["json"]:
            options["json"].parent.mkdir(parents=True, exist_ok=True)
            options["json"].write_text(json.dumps(report, indent=2))
        self.stdout.write(json.dumps(report))

    def _run(self, catalog: Any, vectors: np.ndarray, labels: np.ndarray, indices: np.ndarray, kind: str) -> dict:
        colour_hits, category_hits, both_hits, short = [], [], [], 0
        dyed: list[bool] = []
        for vector, label, index in zip(vectors, labels, indices, strict=True):
            colour, word = colour_query(int(index))
            if kind == "colour+category":
                words = CATEGORY_WORDS[int(label)]
                word = f"{word} {words[int(index) % len(words)]}"
            result = image_search_with_words(
                search=functools.partial(image_search_by_vector, vector=vector), q=word, limit=10
            )
            top = [r.product for r in result.results[:10]]
            short += len(top) < 10
            in_colour = [p.colour == colour for p in top]
            # The colour the demo product was dyed (its SKU is FM-<train image>), not the computed one.
            dyed.extend(fm.product_colour(int(p.sku[3:]))[0] == colour for p in top if p.sku.startswith("FM-"))
            in_category = [catalog.label_of_product.get(p.pk) == int(label) for p in top]
            both = [a and b for a, b in zip(in_colour, in_category, strict=True)]
            # An empty answer counts as 0: nothing shown is nothing right.
            colour_hits.append(float(np.mean(in_colour)) if top else 0.0)
            category_hits.append(float(np.mean(in_category)) if top else 0.0)
            both_hits.append(float(np.mean(both)) if top else 0.0)
        return {
            "photos": len(vectors),
            "colour_precision_at_10": round(float(np.mean(colour_hits)), 3),
            "dyed_colour_precision_at_10": round(float(np.mean(dyed)), 3) if dyed else None,
            "category_precision_at_10": round(float(np.mean(category_hits)), 3),
            "both_precision_at_10": round(float(np.mean(both_hits)), 3),
            "answers_under_10": short,
        }
