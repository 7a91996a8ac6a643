from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from .bulk_import import bulk_import_run


@shared_task(
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=5,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=3600,
    time_limit=3700,
)
def bulk_import_run_task(import_id: int) -> str:
    """Run a seller's bulk import. Safe to run twice (a redelivery after a killed worker)."""
    bulk = bulk_import_run(import_id=import_id)
    return f"{bulk.status}: {bulk.created_count} created, {bulk.updated_count} updated, {len(bulk.errors)} errors"
