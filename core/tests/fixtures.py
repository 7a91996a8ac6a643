"""Fixtures any app's tests may use (registered once in the root conftest.py)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api() -> APIClient:
    """An anonymous API client (no credentials, CSRF checks off as for a token client)."""
    return APIClient()
