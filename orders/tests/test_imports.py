"""The orders modules' import directions (review: "a model imports selectors", services⇄tasks
cycles hidden by function-local imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import orders.links
import orders.selectors

ORDERS = Path(orders.links.__file__).parent


def _top_level_imports(module: str) -> set[str]:
    """The ``from .x import`` modules of ``orders/<module>.py``, at module level only."""
    tree = ast.parse((ORDERS / f"{module}.py").read_text())
    return {node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 1}


def _local_imports(module: str) -> set[str]:
    """The ``from .x import`` modules imported inside a function of ``orders/<module>.py``."""
    tree = ast.parse((ORDERS / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            found |= {n.module or "" for n in ast.walk(node) if isinstance(n, ast.ImportFrom) and n.level == 1}
    return found


def test_models_import_links_not_selectors():
    assert "selectors" not in _top_level_imports("models") | _local_imports("models")
    assert "links" in _top_level_imports("models")
    assert "models" not in _top_level_imports("links")  # only under TYPE_CHECKING


def test_the_pipeline_imports_tasks_at_the_top_and_tasks_import_services_in_their_body():
    assert "tasks" in _top_level_imports("pipeline")
    assert "services" not in _top_level_imports("tasks")
    assert _local_imports("tasks") == {"services"}
    assert _local_imports("services") == set()
    assert _local_imports("pipeline") == set()


def test_selectors_still_offer_the_link_helpers():
    for name in ("order_link_key", "order_link_check", "order_link_is_genuine", "order_link_url"):
        assert getattr(orders.selectors, name) is getattr(orders.links, name)


def test_readme_shows_the_pipeline_diagram_of_the_module_docstring():
    import orders.pipeline

    docstring = orders.pipeline.__doc__ or ""
    diagram = docstring.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    readme = (ORDERS.parent / "README.md").read_text()
    assert "## The order pipeline" in readme
    assert "\n".join(line.removeprefix("    ") for line in diagram.splitlines()) in readme
    assert "| 1 authorise" in diagram and "| 5 receipt task" in diagram
