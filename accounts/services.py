"""Writes to a shopper's account: saved shipping addresses."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .models import Address, User


@transaction.atomic
def address_save(*, user: User, data: dict[str, Any], address: Address | None = None) -> Address:
    """Create (``address`` None) or update one of ``user``'s addresses from validated ``data``
    (the ``Address`` fields). The first address, or one marked ``is_default``, becomes the default.
    Raises ``ValidationError``."""
    if address is not None and address.user_id != user.pk:
        raise Address.DoesNotExist("No such address.")
    address = address or Address(user=user)
    for field, value in data.items():
        setattr(address, field, value)
    if not Address.objects.filter(user=user).exclude(pk=address.pk).exists():
        address.is_default = True
    address.full_clean()
    if address.is_default:
        Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
    address.save()
    return address


@transaction.atomic
def address_delete(*, user: User, address_id: int) -> None:
    """Delete one of ``user``'s addresses (someone else's id raises ``Address.DoesNotExist``)."""
    Address.objects.get(pk=address_id, user=user).delete()
    if not Address.objects.filter(user=user, is_default=True).exists():
        first = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
        if first is not None:
            Address.objects.filter(pk=first.pk).update(is_default=True)
