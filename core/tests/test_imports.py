"""The shared kernel imports no app of ours (every app may import it)."""

from __future__ import annotations

import ast
from pathlib import Path

import core

APPS = ("accounts", "catalog", "shop", "orders", "recommender")


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_core_imports_no_app() -> None:
    root = Path(core.__file__).parent
    modules = sorted(root.rglob("*.py"))
    assert root / "exceptions.py" in modules and root / "api" / "exception_handler.py" in modules
    offending = {
        f"{path.relative_to(root)}: {name}"
        for path in modules
        for name in _imported_modules(path)
        if name.split(".")[0] in APPS
    }
    assert offending == set()


def test_the_import_walk_sees_function_local_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from catalog.models import Product\n    import shop.cart\n")
    assert _imported_modules(module) == ["os", "catalog.models", "shop.cart"]
