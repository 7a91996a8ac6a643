"""What the settings allow for payments: importing a settings module with a given environment
(a fresh import of ``config.settings.*``, as a process starting with that environment would)."""

from __future__ import annotations

import importlib
import re
import sys
from io import StringIO
from types import ModuleType

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

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


def test_production_refuses_the_test_card_provider_without_the_opt_in(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="ALLOW_TEST_PAYMENTS=true"):
        settings_import(monkeypatch, "production", **PRODUCTION_ENV, PAYMENT_VARIANT="test")
    with pytest.raises(ImproperlyConfigured, match="ALLOW_TEST_PAYMENTS=true"):
        settings_import(monkeypatch, "production", **PRODUCTION_ENV, PAYMENT_VARIANT="test", ALLOW_TEST_PAYMENTS="no")


def test_production_takes_the_test_card_provider_for_a_demo(monkeypatch):
    module = settings_import(
        monkeypatch, "production", **PRODUCTION_ENV, PAYMENT_VARIANT="test", ALLOW_TEST_PAYMENTS="true"
    )
    assert module.PAYMENT_VARIANT == "test" and module.ALLOW_TEST_PAYMENTS is True


def test_docker_compose_does_not_default_to_the_test_card_provider():
    compose = (settings.BASE_DIR / "docker-compose.yml").read_text()
    assert re.findall(r"^\s+(PAYMENT_VARIANT|ALLOW_TEST_PAYMENTS): (.*)$", compose, re.MULTILINE) == [
        ("PAYMENT_VARIANT", "${PAYMENT_VARIANT:-stripe}"),
        ("ALLOW_TEST_PAYMENTS", "${ALLOW_TEST_PAYMENTS:-false}"),
    ]


def test_deploy_check_warns_about_test_payments(settings):
    settings.PAYMENT_VARIANT, settings.ALLOW_TEST_PAYMENTS, settings.DEBUG = "test", True, False
    messages = run_checks(include_deployment_checks=True, tags=["security"])
    assert [m.id for m in messages if (m.id or "").startswith("orders.")] == ["orders.W001"]
    out, err = StringIO(), StringIO()
    call_command("check", deploy=True, stdout=out, stderr=err)
    assert "orders.W001" in err.getvalue()
    settings.PAYMENT_VARIANT = "stripe"
    assert [m.id for m in run_checks(include_deployment_checks=True) if (m.id or "").startswith("orders.")] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("allow", "variant", "shown"), [(True, "test", True), (False, "test", False), (True, "stripe", False)]
)
def test_a_demo_taking_test_cards_says_so_on_every_page(client, settings, allow, variant, shown):
    settings.ALLOW_TEST_PAYMENTS, settings.PAYMENT_VARIANT = allow, variant
    for url in ("/", "/cart/"):
        html = client.get(url).content.decode()
        assert ('data-testid="test-payments-banner"' in html) is shown
        assert ("nothing is charged" in html) is shown
