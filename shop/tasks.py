"""The shop's periodic housekeeping (Celery beat)."""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=10, max_retries=3)
def carts_purge_stale_task() -> int:
    """Delete stale guest carts (``shop.services.carts_purge_stale``) and expired sessions (the
    session engine's ``clear_expired``, as ``manage.py clearsessions``). Returns the carts
    deleted. Safe to run twice."""
    from .services import carts_purge_stale

    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return carts_purge_stale()
