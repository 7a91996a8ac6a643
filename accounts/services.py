"""Writes to accounts: saved shipping addresses, seller applications and staff decisions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.api.authentication import api_token_expired
from core.exceptions import ShopError

from .exceptions import AddressNotFound
from .models import Address, Seller, User
from .selectors import address_get


@transaction.atomic
def address_save(*, user: User, data: dict[str, Any], address: Address | None = None) -> Address:
    """Create (``address`` None) or update one of ``user``'s addresses from validated ``data``
    (the ``Address`` fields). The first address, or one marked ``is_default``, becomes the default.
    Raises ``ValidationError``; ``AddressNotFound`` when ``address`` is someone else's."""
    if address is not None and address.user_id != user.pk:
        raise AddressNotFound("No such address.")
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
    """Delete one of ``user``'s addresses (someone else's id raises ``AddressNotFound``)."""
    address_get(user=user, address_id=address_id).delete()
    if not Address.objects.filter(user=user, is_default=True).exists():
        first = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
        if first is not None:
            Address.objects.filter(pk=first.pk).update(is_default=True)


class SellerApplicationError(ShopError):
    """A second application, or a store name already taken."""


@transaction.atomic
def seller_apply(*, user: User, store_name: str) -> Seller:
    """Apply to sell as ``store_name``; staff then approve. Raises ``SellerApplicationError``."""
    store_name = store_name.strip()
    if Seller.objects.filter(user=user).exists():
        raise SellerApplicationError("You have already applied to sell.")
    if Seller.objects.filter(store_name__iexact=store_name).exists():
        raise SellerApplicationError("That store name is taken; choose another.")
    seller = Seller(user=user, store_name=store_name)
    seller.full_clean()
    seller.save()
    return seller


@transaction.atomic
def seller_decide(*, seller: Seller, status: str, actor: User) -> Seller:
    """Staff's decision on a seller: approve, reject or suspend (``Seller.Status``). Rejecting or
    suspending also revokes the account's API tokens (``user_api_tokens_revoke``)."""
    if status not in (Seller.Status.APPROVED, Seller.Status.REJECTED, Seller.Status.SUSPENDED):
        raise ValueError(f"not a decision: {status}")
    Seller.objects.filter(pk=seller.pk).update(status=status, decided_at=timezone.now(), decided_by=actor)
    if status != Seller.Status.APPROVED:
        user_api_tokens_revoke(user=seller.user)
    seller.refresh_from_db()
    return seller


@transaction.atomic
def user_api_token_issue(*, user: User) -> Token:
    """The user's API token: the current one while it is valid, else a new one (an expired
    token, past ``API_TOKEN_TTL_DAYS``, is replaced)."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and api_token_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def user_api_tokens_revoke(*, user: User) -> int:
    """Delete the user's API tokens (logout from the API, a password change or reset): every
    request with them is then 401. Returns how many were deleted (0 or 1)."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
