"""mypy.ini is strict enough to matter: a wrong model field, a service called without a required
keyword argument and an unannotated function are each reported, and the corrected module
passes. The probe module sits in the project root so it imports the real apps with the
project's own configuration (django-stubs and DRF plugins, ``config.settings.test``)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]

WRONG = """from __future__ import annotations

from catalog.models import Category, Product
from catalog.services import category_get_or_create


def product_label(product: Product) -> str:
    return product.no_such_field


def shoes() -> Category:
    return category_get_or_create(slug="shoes")


def untyped(value):
    return value
"""

RIGHT = """from __future__ import annotations

from catalog.models import Category, Product
from catalog.services import category_get_or_create


def product_label(product: Product) -> str:
    return product.name


def shoes() -> Category:
    return category_get_or_create(name="Shoes", slug="shoes")


def typed(value: int) -> int:
    return value
"""

ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: (?P<message>.+?)  \[(?P<code>[a-z-]+)\]$", re.M)


def _mypy(source: str, cache_dir: Path) -> tuple[str, int]:
    probe = ROOT / f"typecheck_probe_{uuid.uuid4().hex}.py"
    probe.write_text(source)
    try:
        stdout, stderr, status = api.run(
            [
                "--config-file",
                str(ROOT / "mypy.ini"),
                "--cache-dir",
                str(cache_dir),
                "--no-pretty",
                "--no-warn-unused-configs",
                str(probe),
            ]
        )
    finally:
        probe.unlink()
    assert stderr == ""
    return stdout, status


@pytest.mark.slow
def test_mypy_reports_a_wrong_field_a_missing_argument_and_an_untyped_def_and_passes_the_fixed_module(
    tmp_path: Path,
) -> None:
    stdout, status = _mypy(WRONG, tmp_path / "mypy-cache")
    errors = [(int(m["line"]), m["code"], m["message"]) for m in ERROR.finditer(stdout)]
    assert errors == [
        (8, "attr-defined", '"Product" has no attribute "no_such_field"'),
        (12, "call-arg", 'Missing named argument "name" for "category_get_or_create"'),
        (15, "no-untyped-def", "Function is missing a type annotation"),
    ], stdout
    assert "Found 3 errors in 1 file (checked 1 source file)" in stdout
    assert status == 1

    stdout, status = _mypy(RIGHT, tmp_path / "mypy-cache")
    assert stdout.strip() == "Success: no issues found in 1 source file"
    assert status == 0
