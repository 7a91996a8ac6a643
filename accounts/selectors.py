from __future__ import annotations

from django.db.models import QuerySet

from .models import Address, User


def address_list(*, user: User) -> QuerySet[Address]:
    """The shopper's saved addresses, default first."""
    return Address.objects.filter(user=user)


def address_get(*, user: User, address_id: int) -> Address:
    """One of ``user``'s addresses; raises ``Address.DoesNotExist`` for anyone else's."""
    return Address.objects.get(pk=address_id, user=user)


def address_default(*, user: User) -> Address | None:
    return Address.objects.filter(user=user, is_default=True).first()
