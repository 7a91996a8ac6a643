"""Template helpers for the search pages and the header's search box."""

from __future__ import annotations

import math
from decimal import Decimal

from django import template

from catalog.colours import PALETTE

register = template.Library()

_HEX = {name: "#{:02x}{:02x}{:02x}".format(*rgb) for name, rgb in PALETTE}


@register.simple_tag
def colour_palette() -> dict[str, str]:
    """The shop palette as ``{name: "#rrggbb"}`` (for swatches drawn by scripts)."""
    return dict(_HEX)


@register.filter
def colour_hex(name: str) -> str:
    """The sRGB of palette colour ``name`` as ``#rrggbb``; ``""`` for a name not in the palette."""
    return _HEX.get(name, "")


@register.filter
def whole_down(amount: Decimal | None) -> str:
    """``amount`` rounded down to a whole number (a price range's low end, as a hint): ``"56"``."""
    return "" if amount is None else str(math.floor(amount))


@register.filter
def whole_up(amount: Decimal | None) -> str:
    """``amount`` rounded up to a whole number (a price range's high end, as a hint): ``"57"``."""
    return "" if amount is None else str(math.ceil(amount))
