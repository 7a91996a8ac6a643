"""Does the colour the embedding worker computes match the colour each demo product was dyed?

Renders demo catalog photos exactly as ``manage.py import_fashion_mnist`` does (Fashion-MNIST
*train* images, dyed with ``catalog.fashion_mnist.product_colour``), names their dominant colour
with the worker's recipe (``recommender.isolation.image_colours``) and prints the share that
matches the dye, per colour and per category, with the time per photo.

    .venv/bin/python scripts/colour_accuracy.py [--start 20000] [--count 600]

The default range, train images 20000-20599, is outside both what the demo catalog imports
(the first 200-500 of each category) and what the recommender is trained on, and the test split
(including the reserved images 9000-9999) is never read.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def main() -> None:
    import django

    django.setup()
    import numpy as np

    from catalog import fashion_mnist as fm
    from recommender import colour, isolation

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=int, default=20000)
    parser.add_argument("--count", type=int, default=600)
    args = parser.parse_args()
    _, images, labels = fm.load("train")
    colour._naming_table()  # built once per process; not part of a photo's time
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    category_total: Counter[str] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    seconds = []
    for index in range(args.start, args.start + args.count):
        name, rgb = fm.product_colour(index)
        photo = fm.to_product_photo(images[index], colour=rgb)
        began = time.perf_counter()
        found = isolation.image_colours(photo)
        seconds.append(time.perf_counter() - began)
        computed = found[0].name if found else ""
        category = fm.CATEGORIES[int(labels[index])][0]
        total[name] += 1
        category_total[category] += 1
        if computed == name:
            right[name] += 1
            by_category[category] += 1
        else:
            confusions[(name, computed or "none")] += 1
    n = sum(total.values())
    print(f"# colour accuracy, {datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, {os.cpu_count()} cores")
    print(f"train images {args.start}-{args.start + args.count - 1}: computed = dyed for "
          f"{sum(right.values())}/{n} = {sum(right.values()) / n:.3f}")  # fmt: skip
    for name in sorted(total):
        print(f"  {name:<9} {right[name]:>3}/{total[name]:<3}")
    for category in sorted(category_total):
        print(f"  {category:<12} {by_category[category]:>3}/{category_total[category]:<3}")
    print("most common confusions (dyed -> computed):", confusions.most_common(6))
    ms = np.asarray(seconds) * 1000
    print(f"time per photo (detection + naming): median {np.median(ms):.1f} ms, "
          f"range {ms.min():.1f}-{ms.max():.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
