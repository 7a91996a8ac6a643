"""Request types for views that only ever see a logged-in user (``login_required``): for the
type checker, ``request.user`` is then the shop's ``User``, never ``AnonymousUser``. These are
annotations only; at runtime the request is Django's own ``HttpRequest``."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request a ``login_required`` view receives."""

    user: User
