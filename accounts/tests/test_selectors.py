"""The seller-approval rule, in one function, and the lookups built on it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Seller, User
from accounts.selectors import seller_approved_get, seller_get, seller_is_approved

pytestmark = pytest.mark.django_db


def _seller(status: str) -> Seller:
    user = User.objects.create_user(f"{status}@example.com", "pw")
    return Seller.objects.create(user=user, store_name=f"{status} store", status=status)


@pytest.mark.parametrize(
    ("status", "approved"),
    [
        (Seller.Status.APPROVED, True),
        (Seller.Status.APPLIED, False),
        (Seller.Status.REJECTED, False),
        (Seller.Status.SUSPENDED, False),
    ],
)
def test_only_an_approved_seller_is_approved(status: str, approved: bool) -> None:
    seller = _seller(status)
    assert seller_is_approved(seller) is approved
    assert seller_get(user=seller.user) == seller
    assert seller_approved_get(user=seller.user) == (seller if approved else None)


def test_nobody_without_a_seller_account_is_an_approved_seller() -> None:
    shopper = User.objects.create_user("shopper@example.com", "pw")
    assert seller_is_approved(None) is False
    assert (seller_get(user=shopper), seller_approved_get(user=shopper)) == (None, None)
    assert (seller_get(user=AnonymousUser()), seller_approved_get(user=AnonymousUser())) == (None, None)
