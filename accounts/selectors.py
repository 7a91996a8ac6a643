from __future__ import annotations

from django.db.models import QuerySet

from .exceptions import AddressNotFound
from .models import Address, User


def address_list(*, user: User) -> QuerySet[Address]:
    """The shopper's saved addresses, default first."""
    return Address.objects.filter(user=user)


def address_get(*, user: User, address_id: int) -> Address:
    """One of ``user``'s addresses; raises ``AddressNotFound`` for anyone else's (or none)."""
    try:
        return Address.objects.get(pk=address_id, user=user)
    except Address.DoesNotExist:
        raise AddressNotFound("No such address.") from None


def address_default(*, user: User) -> Address | None:
    return Address.objects.filter(user=user, is_default=True).first()
