"""Size runs: which sizes a category's products come in, in the order shoppers read them.

A category's ``size_run`` (``SizeRun``) names one run; its sizes are listed here once, and
every size picker, cart line, order line and import sorts by this order (never alphabetically:
"XS, S, M", not "L, M, S"). ``ONE_SIZE`` has the single blank size "" (a bag, a scarf).
"""

from __future__ import annotations

from django.db import models


class SizeRun(models.TextChoices):
    ONE_SIZE = "one_size", "One size"
    APPAREL = "apparel", "Apparel (XS–XXL)"
    FOOTWEAR = "footwear", "Footwear (EU 36–46)"
    WAIST = "waist", "Waist (W28–W38)"


#: Each run's sizes, smallest first: the stored ``ProductVariant.size`` values.
SIZE_RUNS: dict[str, tuple[str, ...]] = {
    SizeRun.ONE_SIZE: ("",),
    SizeRun.APPAREL: ("XS", "S", "M", "L", "XL", "XXL"),
    SizeRun.FOOTWEAR: tuple(f"EU {n}" for n in range(36, 47)),
    SizeRun.WAIST: tuple(f"W{n}" for n in range(28, 40, 2)),
}

ONE_SIZE = ""


def run_sizes(run: str) -> tuple[str, ...]:
    """The sizes of ``run`` (a ``SizeRun`` value), smallest first. Raises ``KeyError`` for an
    unknown run."""
    return SIZE_RUNS[run]


def size_normalise(run: str, value: str) -> str | None:
    """``value`` as the run spells it, or None when it is not one of the run's sizes.

    Case and spacing are forgiven ("xl" → "XL", "eu42" and "42" → "EU 42" for footwear, "32" →
    "W32" for waist); "" and "one size" are the one-size run's only size."""
    text = " ".join(value.split()).upper()
    if text in ("", "ONE SIZE", "ONESIZE"):
        return ONE_SIZE if run == SizeRun.ONE_SIZE else None
    for size in SIZE_RUNS[run]:
        plain = size.upper()
        if text in (plain, plain.replace(" ", "")):
            return size
        prefix = plain.rstrip("0123456789").strip()
        if prefix and text == plain[len(prefix) :].strip():  # "42" for "EU 42", "32" for "W32"
            return size
    return None


def size_position(run: str, size: str) -> int:
    """Where ``size`` sorts in ``run`` (0 for the smallest); sizes outside the run sort last."""
    sizes = SIZE_RUNS[run]
    return sizes.index(size) if size in sizes else len(sizes)


def size_label(size: str) -> str:
    """How a size is written for shoppers: the size itself, "One size" for ""."""
    return size or "One size"


def sizes_text_parse(text: str, *, max_stock: int) -> list[tuple[str, int]]:
    """Sizes with their stock as sellers type them in a form or a CSV cell: ``"S:3; M:5; L:0"``
    (pairs separated by ``;``, ``,`` or new lines; size and stock by ``:`` or ``=``) →
    ``[("S", 3), ("M", 5), ("L", 0)]``, sizes as typed (``size_normalise`` spells them later).
    "" gives []. Raises ``ValueError`` saying which pair is wrong."""
    pairs = []
    for part in text.replace(",", ";").replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        size, sep, stock = part.replace("=", ":").rpartition(":")
        stock = stock.strip()
        if not sep or not size.strip() or not stock.isdigit() or int(stock) > max_stock:
            raise ValueError(f"“{part}” is not a size and its stock like “M:5” (stock 0 to {max_stock:,}).")
        pairs.append((size.strip(), int(stock)))
    return pairs


def sizes_text(pairs: list[tuple[str, int]]) -> str:
    """The inverse of ``sizes_text_parse``: ``"S:3; M:5; L:0"``."""
    return "; ".join(f"{size}:{stock}" for size, stock in pairs)
