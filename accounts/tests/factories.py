"""Factories for users and sellers (cookiecutter-django's ``users/tests/factories.py`` shape).

``UserFactory.create(password="...")`` sets that password (hashed, as ``create_user`` does); without
one every user gets ``DEFAULT_PASSWORD``, so a test can always log in as a factory user.
"""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from accounts.models import Seller, User

DEFAULT_PASSWORD = "a-long-password-42"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A shopper: not staff, not superuser, active, with a usable password."""

    class Meta:
        model = User
        skip_postgeneration_save = True  # the password hook saves once itself

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = ""
    last_name = ""
    is_staff = False
    is_superuser = False
    is_active = True

    @factory.post_generation
    def password(self: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class StaffUserFactory(UserFactory):
    """A staff user who is not a superuser (admin access only through permissions)."""

    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    is_staff = True


class SuperUserFactory(StaffUserFactory):
    """What ``createsuperuser`` makes: staff and superuser."""

    email = factory.Sequence(lambda n: f"admin{n}@example.com")
    is_superuser = True


class SellerFactory(factory.django.DjangoModelFactory[Seller]):
    """A seller's application, waiting for approval; ``SellerFactory.create(approved=True)`` is one
    that staff approved (``decided_at`` now, ``decided_by`` a superuser), as
    ``accounts.services.seller_decide`` leaves it."""

    class Meta:
        model = Seller

    class Params:
        pending = factory.Trait(status=Seller.Status.APPLIED, decided_at=None, decided_by=None)
        approved = factory.Trait(
            status=Seller.Status.APPROVED,
            decided_at=factory.LazyFunction(timezone.now),
            decided_by=factory.SubFactory(SuperUserFactory),
        )
        rejected = factory.Trait(
            status=Seller.Status.REJECTED,
            decided_at=factory.LazyFunction(timezone.now),
            decided_by=factory.SubFactory(SuperUserFactory),
        )
        suspended = factory.Trait(
            status=Seller.Status.SUSPENDED,
            decided_at=factory.LazyFunction(timezone.now),
            decided_by=factory.SubFactory(SuperUserFactory),
        )

    user = factory.SubFactory(UserFactory, email=factory.Sequence(lambda n: f"seller{n}@example.com"))
    store_name = factory.Sequence(lambda n: f"Store {n}")
    status = Seller.Status.APPLIED
    decided_at = None
    decided_by = None


class ApprovedSellerFactory(SellerFactory):
    """Shorthand for ``SellerFactory.create(approved=True)``."""

    approved = True
