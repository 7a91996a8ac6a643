"""At login, a guest's cart joins the shopper's own cart."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User

from .cart import SESSION_KEY
from .selectors import cart_get
from .services import cart_get_or_create, cart_merge


@receiver(user_logged_in, dispatch_uid="shop.cart_merge_on_login")
def cart_merge_on_login(sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    guest = cart_get(cart_id=request.session.pop(SESSION_KEY, None))
    if guest is not None:
        cart_merge(source=guest, target=cart_get_or_create(user=user))
