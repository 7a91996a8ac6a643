"""HTTPS and browser security headers (security review M2): the production settings pass
``check --deploy`` and redirect to HTTPS with HSTS; every response carries a
Content-Security-Policy whose script nonce the templates' inline scripts use; nginx passes on
the scheme a TLS-terminating load balancer reports."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from catalog.tests.factories import CategoryFactory, ProductFactory

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "postgres://check:check@localhost:5432/check",
    "CELERY_BROKER_URL": "redis://localhost:6379/0",
    "CACHE_URL": "redis://localhost:6379/1",
    "SITE_URL": "https://shop.example.com",
    "PAYMENT_VARIANT": "stripe",
    "STRIPE_SECRET_KEY": "sk_test_check",
    "STRIPE_WEBHOOK_SECRET": "whsec_check",
}


def _production(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": "/tmp", **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_on_the_production_settings():
    done = _production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_settings_require_https():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_PROXY_SSL_HEADER, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE)"
    )
    done = _production("-c", code)
    assert done.stdout.strip() == "True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') True", done.stderr


HTTPS_ONLY = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


@pytest.mark.django_db
def test_plain_http_is_redirected_and_https_answers_with_hsts_and_csp(client, settings):
    for name, value in HTTPS_ONLY.items():
        setattr(settings, name, value)
    category = CategoryFactory.create(name="Ankle boot", slug="ankle-boot")
    ProductFactory.create(category=category, name="Red ankle boots", price=Decimal("40.00"), stock=3)

    plain = client.get("/search/?q=boots")
    assert (plain.status_code, plain["Location"]) == (301, "https://testserver/search/?q=boots")

    secure = client.get("/search/?q=boots", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    policy = secure["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", secure.content.decode())
    assert inline  # the facets' inline script is on this page
    assert all(f'nonce="{nonce}"' in attributes or "application/json" in attributes for attributes in inline)


def test_every_inline_script_in_the_templates_carries_the_nonce():
    missing = []
    for template in (ROOT / "templates").rglob("*.html"):
        if template.relative_to(ROOT).as_posix() == "templates/drf_spectacular/redoc.html":
            continue  # its view sets the page's own policy (config.api_router.RedocView)
        for attributes in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", template.read_text()):
            if 'nonce="{{ request.csp_nonce }}"' not in attributes:
                missing.append(template.name)
    assert missing == []


def test_nginx_keeps_the_load_balancers_scheme_and_hides_its_version():
    conf = re.sub(r"#[^\n]*", "", (ROOT / "config" / "nginx.conf").read_text())
    assert re.search(r"map \$http_x_forwarded_proto \$forwarded_proto \{[^}]*\"\" \$scheme;", conf)
    assert re.findall(r"proxy_set_header X-Forwarded-Proto (\S+);", conf) == ["$forwarded_proto"]
    assert re.search(r"server_tokens off;", conf)
