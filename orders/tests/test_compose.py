"""docker-compose.yml keeps no secret in the repository (security review, operator notes): the
database password comes from the environment, and compose refuses to start without it."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_compose_keeps_no_password_in_the_repository():
    text = (ROOT / "docker-compose.yml").read_text()
    services = yaml.safe_load(text)["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    assert "postgres://vitrine:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres" in text
    assert "vitrine:vitrine@" not in text
