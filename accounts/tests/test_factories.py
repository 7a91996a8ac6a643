"""The user and seller factories and fixtures make what the services would."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Seller, User
from accounts.selectors import seller_is_approved
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    ApprovedSellerFactory,
    SellerFactory,
    StaffUserFactory,
    SuperUserFactory,
    UserFactory,
)
from accounts.tests.fixtures import STAFF_PASSWORD, USER_PASSWORD

pytestmark = pytest.mark.django_db


def test_user_factory_makes_a_shopper_who_can_log_in_with_the_default_password():
    user = UserFactory.create()
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.email.endswith("@example.com")
    assert user.check_password(DEFAULT_PASSWORD) and not user.check_password("wrong")
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)  # the hash was saved
    assert Client().login(email=user.email, password=DEFAULT_PASSWORD) is True


def test_user_factory_sets_the_password_it_is_given_and_distinct_emails():
    first, second = UserFactory.create(password="given-password-7"), UserFactory.create()
    assert User.objects.get(pk=first.pk).check_password("given-password-7")
    assert not first.check_password(DEFAULT_PASSWORD)
    assert first.email != second.email and User.objects.count() == 2


def test_built_users_are_not_saved():
    user = UserFactory.build(password="pw-not-saved-1")
    assert user.pk is None and user.check_password("pw-not-saved-1") and User.objects.count() == 0


def test_staff_and_superuser_factories_have_the_flags_of_create_superuser():
    staff, admin = StaffUserFactory.create(), SuperUserFactory.create()
    assert (staff.is_staff, staff.is_superuser) == (True, False)
    reference = User.objects.create_superuser("reference@example.com", "pw-reference-1")
    assert (admin.is_staff, admin.is_superuser, admin.is_active) == (
        reference.is_staff,
        reference.is_superuser,
        reference.is_active,
    )


def test_seller_factory_is_pending_unless_approved():
    pending = SellerFactory.create()
    assert (pending.status, pending.decided_at, pending.decided_by) == (Seller.Status.APPLIED, None, None)
    assert not seller_is_approved(pending) and not pending.user.is_staff
    approved = SellerFactory.create(approved=True)
    assert approved.status == Seller.Status.APPROVED and seller_is_approved(approved)
    assert approved.decided_at is not None and approved.decided_by is not None
    assert approved.decided_by.is_superuser and approved.decided_by != approved.user
    assert ApprovedSellerFactory.create().status == Seller.Status.APPROVED
    assert SellerFactory.create(rejected=True).status == Seller.Status.REJECTED
    assert SellerFactory.create(suspended=True).status == Seller.Status.SUSPENDED
    assert Seller.objects.count() == 5 and len(set(Seller.objects.values_list("store_name", flat=True))) == 5


def test_shared_user_fixtures(user, staff_user, staff_client, seller, approved_seller):
    assert (user.email, user.is_staff) == ("grace@example.com", False)
    assert User.objects.get(pk=user.pk).check_password(USER_PASSWORD)
    assert (staff_user.email, staff_user.is_staff, staff_user.is_superuser) == ("staff@example.com", True, True)
    assert staff_user.check_password(STAFF_PASSWORD)
    assert staff_client.get(reverse("admin:index")).status_code == 200
    assert (seller.status, approved_seller.status) == (Seller.Status.APPLIED, Seller.Status.APPROVED)
    assert seller.user != approved_seller.user
