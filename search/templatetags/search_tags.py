"""Template helpers for the search pages and the header's search box."""

from __future__ import annotations

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
