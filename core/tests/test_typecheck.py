"""mypy.ini is strict enough to matter: a wrong model field, a service called without a required
keyword argument, an unannotated function and a wrong use of the seller that a seller view or a
Seller API view is given (typed ``Seller``, no longer a monkey-patched attribute the checker
cannot see) are each reported, and the corrected module passes. Tests are checked too: an
unannotated test function is allowed, but an Optional it uses without a None check is reported.
The probe module sits in the project root (in a tests package for the test probe) so it imports
the real apps under the project's own configuration (django-stubs and DRF plugins,
``config.settings.test``)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]

IMPORTS = """from __future__ import annotations

from rest_framework.request import Request

from sellers.api.permissions import request_seller
from catalog.models import Category, Product
from catalog.services import category_get_or_create
from sellers.views import SellerHttpRequest
"""

WRONG = (
    IMPORTS
    + """

def product_label(product: Product) -> str:
    return product.no_such_field


def shoes() -> Category:
    return category_get_or_create(slug="shoes")


def untyped(value):
    return value


def dashboard_title(request: SellerHttpRequest) -> int:
    return request.seller.store_name


def api_store(request: Request) -> str:
    return request_seller(request).no_such_field
"""
)

RIGHT = (
    IMPORTS
    + """

def product_label(product: Product) -> str:
    return product.name


def shoes() -> Category:
    return category_get_or_create(name="Shoes", slug="shoes")


def typed(value: int) -> int:
    return value


def dashboard_title(request: SellerHttpRequest) -> str:
    return request.seller.store_name


def api_store(request: Request) -> str:
    return request_seller(request).store_name
"""
)

ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: (?P<message>.+?)  \[(?P<code>[a-z-]+)\]$", re.M)


def _mypy(source: str, cache_dir: Path, where: Path = ROOT) -> tuple[str, int]:
    probe = where / f"typecheck_probe_{uuid.uuid4().hex}.py"
    probe.write_text(source)
    try:
        stdout, stderr, status = api.run(
            [
                "--config-file",
                str(ROOT / "mypy.ini"),
                "--cache-dir",
                str(cache_dir),
                "--no-pretty",
                "--no-warn-unused-configs",  # one file: most per-library sections go unused
                str(probe),
            ]
        )
    finally:
        probe.unlink()
    assert stderr == ""
    return stdout, status


@pytest.mark.slow
def test_mypy_reports_wrong_fields_a_missing_argument_an_untyped_def_and_a_misused_seller_then_passes_the_fix(
    tmp_path: Path,
) -> None:
    stdout, status = _mypy(WRONG, tmp_path / "mypy-cache")
    errors = [(int(m["line"]), m["code"], m["message"]) for m in ERROR.finditer(stdout)]
    assert errors == [
        (12, "attr-defined", '"Product" has no attribute "no_such_field"'),
        (16, "call-arg", 'Missing named argument "name" for "category_get_or_create"'),
        (19, "no-untyped-def", "Function is missing a type annotation"),
        (24, "return-value", 'Incompatible return value type (got "str", expected "int")'),
        (28, "attr-defined", '"Seller" has no attribute "no_such_field"'),
    ], stdout
    assert "Found 5 errors in 1 file (checked 1 source file)" in stdout
    assert status == 1

    stdout, status = _mypy(RIGHT, tmp_path / "mypy-cache")
    assert stdout.strip() == "Success: no issues found in 1 source file"
    assert status == 0


TEST_WRONG = """from __future__ import annotations

from catalog.models import Product


def test_first_product_name():
    product = Product.objects.first()
    assert product.name == "Ankle boot"
"""

TEST_RIGHT = TEST_WRONG.replace("    assert product.name", "    assert product is not None\n    assert product.name")


@pytest.mark.slow
def test_mypy_checks_test_bodies_without_asking_for_annotations(tmp_path: Path) -> None:
    # A module in a tests package (core.tests.typecheck_probe_...): [mypy-*.tests.*] applies.
    stdout, status = _mypy(TEST_WRONG, tmp_path / "mypy-cache", where=ROOT / "core" / "tests")
    errors = [(int(m["line"]), m["code"], m["message"]) for m in ERROR.finditer(stdout)]
    assert errors == [(8, "union-attr", 'Item "None" of "Product | None" has no attribute "name"')], stdout
    assert status == 1

    stdout, status = _mypy(TEST_RIGHT, tmp_path / "mypy-cache", where=ROOT / "core" / "tests")
    assert stdout.strip() == "Success: no issues found in 1 source file"
    assert status == 0
