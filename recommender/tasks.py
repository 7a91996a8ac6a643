from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import DatabaseError

from .services import (
    category_classifier_train,
    product_image_embedding_fail,
    product_images_embed,
    query_image_embed_payload,
)


class EmbedTask(Task):
    """Records the failure on the image once retries are exhausted (or on an unexpected error)."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
    ) -> None:
        image_id = args[0] if args else kwargs.get("image_id")
        if image_id is not None:
            product_image_embedding_fail(image_id=image_id, reason=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=EmbedTask,
    bind=True,
    autoretry_for=(DatabaseError, OSError, MemoryError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    soft_time_limit=300,
    time_limit=360,
)
def product_image_embed_task(self: EmbedTask, image_id: int) -> str:
    """Embed one product image (safe to run twice: a stored vector is never duplicated)."""
    report = product_images_embed(image_ids=[image_id])
    if report.failed:
        return f"failed: {report.failed[image_id]}"
    if report.skipped:
        return "skipped"
    return "embedded" if report.embedded else "missing"  # deleted since it was enqueued


@shared_task(acks_late=False, soft_time_limit=30, time_limit=40)
def query_image_embed_task(payload: str) -> dict:
    """Embed a find-by-photo query (base64 PNG): ``{"vector", "box"}``. Nothing is stored."""
    return query_image_embed_payload(payload=payload)


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def category_classifier_train_task() -> dict:
    """Retrain the find-by-photo category classifier on the current catalog (staff, from the
    admin). Returns the new classifier's id and held-out accuracy."""
    classifier = category_classifier_train()
    return {"id": classifier.pk, "held_out_accuracy": classifier.held_out_accuracy}
