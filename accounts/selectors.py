from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from .exceptions import AddressNotFound
from .models import Address, Seller, User


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


def seller_get(*, user: User | AnonymousUser) -> Seller | None:
    """The user's seller account, whatever its status; None for anybody without one (and for
    an anonymous visitor)."""
    if not user.is_authenticated:
        return None
    return Seller.objects.filter(user=user).first()


def seller_is_approved(seller: Seller | None) -> bool:
    """The seller-approval rule: only an approved seller account may sell (publish products,
    use the dashboard and the Seller API). No account, or one applied for, rejected or
    suspended, may not."""
    return seller is not None and seller.status == Seller.Status.APPROVED


def seller_approved_get(*, user: User | AnonymousUser) -> Seller | None:
    """The user's seller account when ``seller_is_approved``; None otherwise."""
    seller = seller_get(user=user)
    return seller if seller_is_approved(seller) else None


def seller_application_pending_count() -> int:
    """How many seller applications wait for staff's decision (status applied; one query)."""
    return Seller.objects.filter(status=Seller.Status.APPLIED).count()
