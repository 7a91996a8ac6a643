"""Account errors (``core.exceptions`` family)."""

from __future__ import annotations

from core.exceptions import NotFound


class AddressNotFound(NotFound):
    """No such saved address among this user's (someone else's id is "not found" too): 404."""
