"""API tokens expire, and a password change or reset or an explicit DELETE revokes them
(security review M8)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Seller
from accounts.services import seller_apply, seller_decide
from accounts.tests.factories import UserFactory

if TYPE_CHECKING:
    from pytest_django import Settings

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-42"
NEW_PASSWORD = "a-brand-new-password-77"
ME = "/api/orders/"  # any route that needs a login
# The API's first authenticator is the session's, which has no WWW-Authenticate scheme, so DRF
# answers a refused token 403 there (401 on the token endpoint itself, token-only).
REVOKED = (403, {"detail": "Invalid token."})


def _token(email: str, password: str = PASSWORD) -> str:
    response = APIClient().post(reverse("api:auth-token"), {"email": email, "password": password}, format="json")
    assert response.status_code == 200
    return str(response.json()["token"])


def _status(token: str) -> int:
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code


def _refused(token: str) -> tuple[int, object]:
    response = APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {token}")
    return response.status_code, response.json()


def test_a_password_reset_through_allauth_revokes_the_token() -> None:
    user = UserFactory.create(email="seller@example.com", password=PASSWORD)
    token = _token(user.email)
    assert _status(token) == 200

    browser = Client()
    browser.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", str(mail.outbox[-1].body))
    assert link is not None
    form = browser.get(link.group(1), follow=True)
    browser.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    assert _refused(token) == REVOKED
    assert _token(user.email, NEW_PASSWORD) != token


def test_a_password_change_revokes_the_token() -> None:
    user = UserFactory.create(email="seller@example.com", password=PASSWORD)
    token = _token(user.email)
    browser = Client()
    browser.force_login(user)
    response = browser.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _refused(token) == REVOKED


def test_a_token_older_than_the_ttl_is_refused_and_a_new_one_issued(settings: Settings) -> None:
    settings.API_TOKEN_TTL_DAYS = 30
    user = UserFactory.create(email="seller@example.com", password=PASSWORD)
    token = _token(user.email)
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(days=29))
    assert _status(token) == 200
    assert _token(user.email) == token  # still the same token while it is valid
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(days=31))
    assert _refused(token) == (403, {"detail": "Token has expired."})
    assert Token.objects.filter(user=user).count() == 0
    fresh = _token(user.email)
    assert fresh != token and _status(fresh) == 200


def test_delete_revokes_the_token() -> None:
    user = UserFactory.create(email="seller@example.com", password=PASSWORD)
    token = _token(user.email)
    api = APIClient()
    assert api.delete(reverse("api:auth-token"), HTTP_AUTHORIZATION=f"Token {token}").status_code == 204
    assert _refused(token) == REVOKED
    assert api.delete(reverse("api:auth-token"), HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert api.delete(reverse("api:auth-token")).status_code == 401


@pytest.mark.parametrize("decision", ["suspended", "rejected"])
def test_suspending_or_rejecting_a_seller_revokes_their_token(decision: str) -> None:
    seller = seller_apply(user=UserFactory.create(email="seller@example.com", password=PASSWORD), store_name="Nova")
    staff = UserFactory.create(is_staff=True)
    token = _token("seller@example.com")
    seller_decide(seller=seller, status=Seller.Status.APPROVED, actor=staff)
    assert _status(token) == 200
    seller_decide(seller=seller, status=decision, actor=staff)
    assert _refused(token) == REVOKED
