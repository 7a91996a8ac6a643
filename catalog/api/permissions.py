"""Who may use the Seller API: a logged-in (token or session) user with an *approved* seller
account, as for the web dashboard (``catalog.views.approved_seller_required``). Which products
such a seller may touch is not decided here: the seller services and selectors answer 404 for
any product that is not theirs."""

from __future__ import annotations

from typing import cast

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import Seller
from accounts.selectors import seller_get, seller_is_approved

NOT_A_SELLER = "You do not have a seller account: apply to sell first."
REFUSALS: dict[str, str] = {
    Seller.Status.APPLIED: "Your seller application is waiting for approval.",
    Seller.Status.REJECTED: "Your seller application was rejected.",
    Seller.Status.SUSPENDED: "Your seller account is suspended.",
}


class SellerRequest(Request):
    """A request ``IsApprovedSeller`` let through, for the type checker: ``seller`` is the
    approved seller. At runtime it is DRF's own ``Request`` with the attribute set."""

    seller: Seller


def request_seller(request: Request) -> Seller:
    """The approved seller ``IsApprovedSeller`` set on ``request`` (only on views it guards)."""
    return cast(SellerRequest, request).seller


class IsApprovedSeller(BasePermission):
    """Lets an approved seller through and sets ``request.seller``. Anonymous requests get DRF's
    401/403 "not authenticated"; shoppers, applicants and rejected or suspended sellers get 403
    with a message saying why."""

    message = NOT_A_SELLER

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        seller = seller_get(user=user)
        if seller is None:
            self.message = NOT_A_SELLER
            return False
        if not seller_is_approved(seller):
            self.message = REFUSALS.get(seller.status, NOT_A_SELLER)
            return False
        cast(SellerRequest, request).seller = seller
        return True
