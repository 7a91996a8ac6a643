"""Rebuild ``fashion_mnist_sample.npz``, the small real Fashion-MNIST sample the tests use.

Fashion-MNIST (Zalando Research, MIT licence). The sample holds the first 12 *train* images
of each of the 10 classes (120) and the first 4 *test* images of each class (40), as stored
in the idx files (28×28 uint8, light-on-dark), with their labels and original indices:

    train_images uint8 (120, 28, 28)   train_labels uint8 (120,)   train_indices int64 (120,)
    test_images  uint8 (40, 28, 28)    test_labels  uint8 (40,)    test_indices  int64 (40,)

Rows are in ascending original index (``catalog.fashion_mnist.balanced_indices``).

Usage (from the repository root):
    python catalog/tests/data/make_sample.py [--source DIR_WITH_IDX_GZ_FILES]

Without ``--source`` the files are found (or fetched) by ``catalog.fashion_mnist.dataset_dir``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from catalog import fashion_mnist as fm  # noqa: E402

TRAIN_PER_CLASS = 12
TEST_PER_CLASS = 4
OUTPUT = Path(__file__).with_name("fashion_mnist_sample.npz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=None, help="Directory holding the four idx .gz files.")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    source = args.source or fm.dataset_dir(ROOT / "var" / "datasets" / "fashion-mnist")
    arrays: dict[str, Any] = {}  # savez_compressed(**arrays): a keyword could be its allow_pickle
    for split, per_class in (("train", TRAIN_PER_CLASS), ("test", TEST_PER_CLASS)):
        images, labels = fm.load_split(source, split)
        indices = fm.balanced_indices(labels, per_class).astype(np.int64)
        arrays[f"{split}_images"] = np.ascontiguousarray(images[indices])
        arrays[f"{split}_labels"] = np.ascontiguousarray(labels[indices])
        arrays[f"{split}_indices"] = indices
    np.savez_compressed(args.output, **arrays)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes) from {source}")


if __name__ == "__main__":
    main()
