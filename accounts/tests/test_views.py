from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import Address, User
from accounts.tests.factories import UserFactory
from catalog.tests.factories import CategoryFactory, ProductFactory
from shop.models import Cart

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # allauth keeps its rate-limit counters in the cache
    yield
    cache.clear()


def test_sign_up_logs_in_and_sends_a_verification_email(client, mailoutbox):
    response = client.post(
        reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new@example.com"]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_login_is_rate_limited_per_account():
    UserFactory.create(email="target@example.com", password=PASSWORD)
    attacker = Client()
    for _ in range(5):
        response = attacker.post(reverse("account_login"), {"login": "target@example.com", "password": "guess"})
        assert response.status_code == 200 and b"not correct" in response.content
    # Even the right password is refused now, from any client, until the window passes.
    blocked = Client().post(reverse("account_login"), {"login": "target@example.com", "password": PASSWORD})
    assert blocked.status_code == 200
    assert b"Too many failed login attempts. Try again later." in blocked.content
    assert "_auth_user_id" not in blocked.client.session


def test_guest_cart_merges_into_the_account_at_login(client):
    user = UserFactory.create(email="shopper@example.com", password=PASSWORD)
    product = ProductFactory.create(stock=5)
    client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 2})
    guest_cart = Cart.objects.get()
    response = client.post(reverse("account_login"), {"login": "shopper@example.com", "password": PASSWORD})
    assert response.status_code == 302
    cart = Cart.objects.get()
    assert cart.user == user and cart.pk != guest_cart.pk
    assert list(cart.lines.values_list("product_id", "quantity")) == [(product.pk, 2)]
    assert b'<span class="badge ok">2</span>' in client.get(reverse("shop:cart_detail")).content


def test_password_reset_email_is_sent(client, mailoutbox):
    UserFactory.create(email="forgetful@example.com", password=PASSWORD)
    response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "/accounts/password/reset/key/" in mailoutbox[0].body


def test_addresses_belong_to_their_owner(client):
    owner = UserFactory.create(email="owner@example.com", password=PASSWORD)
    other = UserFactory.create(email="other@example.com", password=PASSWORD)
    theirs = Address.objects.create(
        user=other, full_name="O", address_line1="1 Road", city="Paris", postcode="75001", country="FR"
    )
    client.force_login(owner)
    data = {"full_name": "Me", "address_line1": "2 Street", "city": "Lyon", "postcode": "69001", "country": "FR"}
    assert client.post(reverse("accounts:address_create"), data).status_code == 302
    mine = Address.objects.get(user=owner)
    assert mine.is_default  # the first address becomes the default
    assert client.get(reverse("accounts:address_edit", kwargs={"address_id": theirs.pk})).status_code == 404
    assert client.post(reverse("accounts:address_edit", kwargs={"address_id": theirs.pk}), data).status_code == 404
    assert client.post(reverse("accounts:address_delete", kwargs={"address_id": theirs.pk})).status_code == 404
    theirs.refresh_from_db()
    assert theirs.city == "Paris"
    assert client.post(reverse("accounts:address_delete", kwargs={"address_id": mine.pk})).status_code == 302
    assert not Address.objects.filter(user=owner).exists()


def test_profile_needs_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_header_offers_log_in_and_sign_up_that_come_back_to_this_page(client):
    CategoryFactory.create(name="Shoes", slug="shoes")

    html = client.get("/c/shoes/?sort=price_asc").content.decode()

    assert '<a href="/accounts/login/?next=/c/shoes/%3Fsort%3Dprice_asc" data-testid="login-link">Log in</a>' in html
    assert '<a href="/accounts/signup/?next=/c/shoes/%3Fsort%3Dprice_asc" data-testid="signup-link">Sign up</a>' in html


@pytest.mark.django_db
def test_on_the_login_page_the_header_links_keep_where_the_shopper_was_going(client):
    html = client.get("/accounts/login/?next=/cart/").content.decode()

    assert '<a href="/accounts/login/?next=/cart/" data-testid="login-link">Log in</a>' in html
    assert '<a href="/accounts/signup/?next=/cart/" data-testid="signup-link">Sign up</a>' in html
    plain = client.get("/accounts/signup/").content.decode()
    assert '<a href="/accounts/login/" data-testid="login-link">Log in</a>' in plain


@pytest.mark.django_db
def test_logging_in_and_signing_up_return_to_the_page_they_came_from(client):
    UserFactory.create(email="ada@example.com", password="correct horse battery")

    login = client.post(
        "/accounts/login/?next=/c/shoes/",
        {"login": "ada@example.com", "password": "correct horse battery", "next": "/c/shoes/"},
    )
    assert (login.status_code, login["Location"]) == (302, "/c/shoes/")
    client.logout()
    signup = client.post(
        "/accounts/signup/",
        {
            "email": "grace@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "next": "/cart/",
        },
    )
    assert (signup.status_code, signup["Location"]) == (302, "/cart/")
    # allauth refuses another site's address: the profile instead.
    client.logout()
    outside = client.post(
        "/accounts/login/",
        {"login": "ada@example.com", "password": "correct horse battery", "next": "https://evil.example/"},
    )
    assert (outside.status_code, outside["Location"]) == (302, "/accounts/profile/")


def test_a_page_that_needs_login_sends_the_shopper_back_after_it(client):
    response = client.get(reverse("accounts:profile"))
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"
