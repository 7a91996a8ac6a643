"""The two app dependencies that ran both ways are gone: shop (storefront, cart, shipping) does
not import orders, which turns a cart into an order; accounts imports no app above it (the
profile shows orders through ``{% load orders_tags %}``). ``lint-imports`` (.importlinter)
checks the whole layering; this keeps these two in the fast suite."""

from __future__ import annotations

from pathlib import Path

import pytest

import core

from .test_imports import _imported_modules

ROOT = Path(core.__file__).parent.parent


def _app_imports(app: str) -> set[str]:
    """``app``'s imports of our other apps, outside its tests, as ``file: module``."""
    found = set()
    for path in sorted((ROOT / app).rglob("*.py")):
        if "tests" in path.relative_to(ROOT / app).parts:
            continue
        found |= {f"{path.relative_to(ROOT)}: {name}" for name in _imported_modules(path)}
    return found


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [("shop", {"orders", "sellers"}), ("accounts", {"orders", "shop", "catalog", "recommender", "sellers"})],
)
def test_the_app_imports_no_app_above_it(app: str, forbidden: set[str]) -> None:
    assert {line for line in _app_imports(app) if line.split(": ")[1].split(".")[0] in forbidden} == set()


def test_the_walk_finds_an_apps_imports() -> None:
    assert "shop/views.py: catalog.selectors" in _app_imports("shop")
    assert "orders/views.py: shop.cart" in _app_imports("orders")
