"""What the settings allow for payments: importing a settings module with a given environment
(a fresh import of ``config.settings.*``, as a process starting with that environment would)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "postgres://vitrine@db:5432/vitrine",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "CACHE_URL": "redis://redis:6379/1",
    "SITE_URL": "https://shop.example.com",
}
_VARIABLES = ("PAYMENT_VARIANT", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "ALLOW_TEST_PAYMENTS", "EMAIL_TIMEOUT")


def settings_import(monkeypatch: pytest.MonkeyPatch, module: str, **environ: str) -> ModuleType:
    """Import ``config.settings.<module>`` afresh with ``environ`` (and nothing else of the
    payment variables) set; the modules loaded before are put back afterwards."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    for name in ("config.settings.base", f"config.settings.{module}"):
        if name in sys.modules:
            monkeypatch.setitem(sys.modules, name, sys.modules[name])  # restored on teardown
            del sys.modules[name]
    return importlib.import_module(f"config.settings.{module}")


def test_production_refuses_a_stripe_key_without_a_webhook_secret(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="STRIPE_WEBHOOK_SECRET"):
        settings_import(
            monkeypatch, "production", **PRODUCTION_ENV, PAYMENT_VARIANT="stripe",
            STRIPE_SECRET_KEY="sk_x", STRIPE_WEBHOOK_SECRET="",
        )  # fmt: skip
    with pytest.raises(ImproperlyConfigured, match="STRIPE_WEBHOOK_SECRET"):
        settings_import(monkeypatch, "production", **PRODUCTION_ENV, PAYMENT_VARIANT="stripe", STRIPE_SECRET_KEY="sk_x")


def test_production_takes_stripe_with_its_webhook_secret(monkeypatch):
    module = settings_import(
        monkeypatch, "production", **PRODUCTION_ENV, PAYMENT_VARIANT="stripe",
        STRIPE_SECRET_KEY="sk_x", STRIPE_WEBHOOK_SECRET="whsec_abc",
    )  # fmt: skip
    assert module.PAYMENT_VARIANT == "stripe"
    assert module.PAYMENT_VARIANTS["stripe"] == (
        "orders.payment_providers.StripeProvider",
        {"api_key": "sk_x", "endpoint_secret": "whsec_abc"},
    )
