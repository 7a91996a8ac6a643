"""allauth reports password changes here: the account's API tokens are revoked (security review
M8), so a leaked token stops working once the owner changes or resets the password."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.dispatch import receiver

from .models import User
from .services import user_api_tokens_revoke


@receiver(password_changed, dispatch_uid="accounts.password_changed_revokes_tokens")
@receiver(password_reset, dispatch_uid="accounts.password_reset_revokes_tokens")
@receiver(password_set, dispatch_uid="accounts.password_set_revokes_tokens")
def password_changed_revoke_tokens(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    user_api_tokens_revoke(user=user)
