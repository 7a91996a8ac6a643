"""The import page under the Content-Security-Policy (security review M2), in a real browser
(Playwright driving Debian's chromium) at phone and desktop sizes: its inline progress script
runs with the request's nonce, follows the import to "Done", and the browser reports no CSP
violation. Screenshots go to $VITRINE_SCREENSHOT_DIR when set (else the test's temporary directory)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from catalog.models import BulkImport
from catalog.tests.factories import seller_create

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}


def _record_csp_violation(violations: list[str], message: ConsoleMessage) -> None:
    if "Content Security Policy" in message.text:
        violations.append(message.text)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser
        browser.close()
        connections.close_all()


def test_the_import_page_follows_progress_under_the_csp(browser, transactional_db, live_server: LiveServer, tmp_path):
    from playwright.sync_api import expect

    shots = Path(os.environ.get("VITRINE_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    alice = seller_create("alice@example.com", "Nova Shoes")
    client = Client()
    client.force_login(alice.user)
    for label, viewport in VIEWPORTS.items():
        bulk = BulkImport.objects.create(seller=alice, status="running", total_rows=2, processed_rows=1)
        context = browser.new_context(viewport=viewport)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        violations: list[str] = []
        page.on("console", functools.partial(_record_csp_violation, violations))
        response = page.goto(live_server.url + reverse("sellers:bulk_import_detail", args=[bulk.pk]))
        assert response is not None and "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        expect(page.locator("[data-testid=import-status]")).to_have_text("Importing")
        BulkImport.objects.filter(pk=bulk.pk).update(status="done", processed_rows=2, created_count=2)
        expect(page.locator("[data-testid=import-status]")).to_have_text("Done", timeout=10_000)  # polled, no reload
        expect(page.locator("[data-testid=import-rows]")).to_have_text("2 / 2")
        page.screenshot(path=str(shots / f"bulk-import-detail-{label}.png"), full_page=True)
        assert violations == []
        context.close()
