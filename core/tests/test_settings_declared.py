"""Every setting the project's code reads is declared, with its default, in config/settings/base.py,
and is read as ``settings.NAME``: no ``getattr(settings, NAME, default)`` keeps a second default
(the code review found the embedder's defaults duplicated and four settings never declared)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "accounts", "catalog", "recommender", "search", "sellers", "shop", "orders", "config")


def _app_sources() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def test_no_code_reads_a_setting_with_its_own_default() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _app_sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"getattr\(\s*settings\s*,", line)
    ]
    assert offenders == []


def test_every_setting_read_is_declared() -> None:
    names = {
        name for path in _app_sources() for name in re.findall(r"\bsettings\.([A-Z][A-Z0-9_]+)\b", path.read_text())
    }
    assert {"VGG16_WEIGHTS", "EMBEDDING_THREADS", "EMBEDDING_CACHE_DIR", "TRAINING_PROCESSES"} <= names
    assert sorted(name for name in names if not hasattr(settings, name)) == []
