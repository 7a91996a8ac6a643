from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import DatabaseError

from .bulk_import import bulk_import_fail, bulk_import_fail_stale, bulk_import_run

# The task keeps the name it had when it lived in catalog/tasks.py. A message names its task:
# imports queued (or unacknowledged: acks_late, redelivered after a killed worker) before a
# deploy say "catalog.tasks.bulk_import_run_task", and web processes not yet restarted keep
# sending that name. Under the module's default name ("sellers.tasks...") a new worker would
# reject them as unregistered and those imports would never run. CELERY_TASK_ROUTES keys on
# this name, so the task stays on the "celery" queue.
BULK_IMPORT_RUN_TASK_NAME = "catalog.tasks.bulk_import_run_task"


class _BulkImportTask(Task):
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """The task failed for good (retries spent, or an error it does not retry): the import
        is marked failed, never left "Importing…"."""
        import_id = kwargs.get("import_id", args[0] if args else None)
        if import_id is not None:
            bulk_import_fail(import_id=int(import_id), reason="The import failed on our side; please try again later.")


@shared_task(
    name=BULK_IMPORT_RUN_TASK_NAME,
    base=_BulkImportTask,
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


@shared_task
def bulk_import_fail_stale_task() -> int:
    """Periodic (beat): mark failed the imports whose worker died mid-run (``bulk_import_fail_stale``)."""
    return bulk_import_fail_stale()
