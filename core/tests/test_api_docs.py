"""The API's readable docs: Swagger UI at /api/docs/ and Redoc at /api/redoc/ (drf-spectacular,
their scripts from drf-spectacular-sidecar's static files), and the browsable root at /api/."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from django.test import Client

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer


@pytest.mark.parametrize(
    ("path", "script"),
    [
        ("/api/docs/", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/redoc/", "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ],
)
def test_the_docs_pages_load_their_scripts_from_the_shop(client: Client, path: str, script: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="{script}"' in html
    # Every script and stylesheet is the shop's own: no absolute (CDN) address.
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []


@pytest.mark.django_db
def test_the_browsable_api_root_lists_every_apps_routes(client: Client) -> None:
    response = client.get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    routes = {name: urlsplit(url).path for name, url in response.json().items()}
    assert routes == {
        "categories": "/api/categories/",
        "products": "/api/products/",
        "search": "/api/search/",
        "search/suggest": "/api/search/suggest/",
        "search/image": "/api/search/image/",
        "cart": "/api/cart/",
        "cart/lines": "/api/cart/lines/",
        "shipping-methods": "/api/shipping-methods/",
        "checkout": "/api/checkout/",
        "orders": "/api/orders/",
        "auth/token": "/api/auth/token/",
        "seller/products": "/api/seller/products/",
        "schema": "/api/schema/",
        "docs": "/api/docs/",
        "redoc": "/api/redoc/",
    }


@pytest.fixture
def browser_page(chromium: Browser) -> Page:
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(30_000)
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_and_redoc_render_the_schema_with_no_request_leaving_the_shop(
    live_server: LiveServer, browser_page: Page
) -> None:
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    host = urlsplit(live_server.url).netloc

    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI lists the operations, each with its path.
    page.locator(".opblock-summary-path[data-path='/api/products/']").first.wait_for(state="visible")
    assert page.locator(".opblock-summary-path[data-path='/api/checkout/']").count() == 1
    if os.environ.get("VITRINE_SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["VITRINE_SCREENSHOT_DIR"], "api-docs.png"))
    assert page.locator(".info .title").first.inner_text().startswith("Vitrine API")

    page.goto(f"{live_server.url}/api/redoc/")
    # Redoc's menu lists the operations; the selected one shows its path.
    page.get_by_role("menuitem").filter(has_text=re.compile(r"products", re.I)).first.wait_for(state="visible")
    assert page.locator("h1").first.inner_text().startswith("Vitrine API")
    if os.environ.get("VITRINE_SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["VITRINE_SCREENSHOT_DIR"], "api-redoc.png"))

    assert f"{live_server.url}/api/schema/" in {url.split("?")[0] for url in requested}
    # data: and blob: (Redoc's search worker) are made in the page itself.
    outside = [
        url for url in requested if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != host
    ]
    assert outside == []
