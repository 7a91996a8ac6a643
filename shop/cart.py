"""The web layer's view of the cart: which cart a request's session or user points at."""

from __future__ import annotations

from typing import Literal, overload

from django.db.models import Sum
from django.http import HttpRequest

from .models import Cart, CartLine
from .selectors import cart_get
from .services import cart_get_or_create

SESSION_KEY = "cart_id"


@overload
def request_cart(request: HttpRequest, *, create: Literal[True]) -> Cart: ...
@overload
def request_cart(request: HttpRequest, *, create: bool = False) -> Cart | None: ...
def request_cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    """The cart of this request's shopper (None when they have none and ``create`` is False)."""
    cart_id = request.session.get(SESSION_KEY)
    cart = cart_get(cart_id=cart_id, user=request.user)
    if cart is None and create:
        cart = cart_get_or_create(user=request.user, cart_id=cart_id)
        if not request.user.is_authenticated:
            request.session[SESSION_KEY] = cart.pk
    return cart


def request_cart_count(request: HttpRequest) -> int:
    cart = request_cart(request)
    if cart is None:
        return 0
    return CartLine.objects.filter(cart=cart).aggregate(n=Sum("quantity"))["n"] or 0
