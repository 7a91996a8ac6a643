"""Users and sellers for any app's tests (registered once in the root conftest.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Seller, User

from .factories import DEFAULT_PASSWORD, SellerFactory, SuperUserFactory, UserFactory

USER_PASSWORD = DEFAULT_PASSWORD
STAFF_PASSWORD = "staff-password-1"


@pytest.fixture
def user(db: None) -> User:
    """Grace, a registered shopper (grace@example.com, password ``USER_PASSWORD``)."""
    return UserFactory.create(email="grace@example.com", password=USER_PASSWORD)


@pytest.fixture
def staff_user(db: None) -> User:
    """A superuser (staff@example.com, password ``STAFF_PASSWORD``): the shop's staff in the admin."""
    return SuperUserFactory.create(email="staff@example.com", password=STAFF_PASSWORD)


@pytest.fixture
def staff_client(client: Client, staff_user: User) -> Client:
    """The test client, logged in as ``staff_user``."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def seller(db: None) -> Seller:
    """A seller whose application waits for staff (status "applied")."""
    return SellerFactory.create(pending=True)


@pytest.fixture
def approved_seller(db: None) -> Seller:
    """A seller that staff approved."""
    return SellerFactory.create(approved=True)
