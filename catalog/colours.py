"""The shop's colour palette: the fixed set of named colours that products are described, filtered
and searched by. The demo catalog dyes its products in these colours
(:mod:`catalog.fashion_mnist`), and the embedding worker names each photo's dominant colours
against them (:mod:`recommender.colour`), so the two always agree on names."""

from __future__ import annotations

#: (name, sRGB 0-255), chosen to be distinct in CIE Lab. Names are shown to shoppers as they are.
PALETTE: list[tuple[str, tuple[int, int, int]]] = [
    ("Black", (34, 34, 36)),
    ("White", (240, 239, 234)),
    ("Grey", (140, 142, 146)),
    ("Navy", (36, 48, 94)),
    ("Blue", (52, 110, 196)),
    ("Red", (196, 40, 44)),
    ("Burgundy", (118, 30, 52)),
    ("Pink", (232, 140, 176)),
    ("Green", (46, 132, 74)),
    ("Olive", (112, 118, 52)),
    ("Beige", (214, 196, 160)),
    ("Brown", (120, 78, 48)),
]

COLOUR_NAMES: list[str] = [name for name, _ in PALETTE]

#: ``choices`` for a model or form field holding one palette colour ("" = not known yet).
COLOUR_CHOICES: list[tuple[str, str]] = [(name, name) for name in COLOUR_NAMES]


def colour_name_normalise(value: str) -> str | None:
    """The palette name for ``value`` in any case ("red", " RED " -> "Red"), or ``None``."""
    wanted = value.strip().lower()
    return next((name for name in COLOUR_NAMES if name.lower() == wanted), None)


#: palette name -> CSS hex, for swatches.
COLOUR_HEX: dict[str, str] = {name: "#{:02x}{:02x}{:02x}".format(*rgb) for name, rgb in PALETTE}
