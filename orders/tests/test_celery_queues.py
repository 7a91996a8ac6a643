"""Each Celery task goes to its queue, and each queue has a worker pool of its own (security
review M1): find by photo never waits behind embeddings, a bulk import or an e-mail."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.conf import settings

from config.celery_app import app

ROOT = Path(settings.BASE_DIR)
EXPECTED_QUEUES = {
    "recommender.tasks.query_image_embed_task": "search",
    "recommender.tasks.product_image_embed_task": "embeddings",
    "recommender.tasks.category_classifier_train_task": "embeddings",
    "catalog.tasks.bulk_import_run_task": "celery",  # sellers.tasks, under its old name
    "sellers.tasks.bulk_import_fail_stale_task": "celery",
    "shop.tasks.carts_purge_stale_task": "celery",
    "orders.tasks.order_receipt_send_task": "celery",
    "orders.tasks.order_link_send_task": "celery",
    "orders.tasks.order_expire_unpaid_task": "celery",
}


def _queues(command: list[str] | str) -> set[str]:
    """The queues a ``celery worker`` command line consumes (its ``-Q``), empty if it has none."""
    argv = command.split() if isinstance(command, str) else command
    return set(argv[argv.index("-Q") + 1].split(",")) if "-Q" in argv else set()


def test_the_router_sends_every_task_to_its_queue():
    app.loader.import_default_modules()  # every app's tasks.py
    ours = tuple(f"{label}." for label in settings.LOCAL_APPS)  # not Celery's or imagekit's
    project_tasks = sorted(name for name in app.tasks if name.startswith(ours))
    assert project_tasks == sorted(EXPECTED_QUEUES)
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in project_tasks}
    assert routed == EXPECTED_QUEUES


def test_compose_runs_one_worker_pool_per_queue():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {
        name: _queues(service["command"])
        for name, service in services.items()
        if "worker" in service.get("command", [])
    }
    assert workers == {
        "worker-search": {"search"},
        "worker-embeddings": {"embeddings"},
        "worker-default": {"celery"},
    }


def test_make_worker_starts_the_same_three_pools():
    makefile = (ROOT / "Makefile").read_text()
    targets = {name: body for name, body in re.findall(r"^([\w-]+):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M)}
    assert {name: _queues(targets[name]) for name in ("worker-search", "worker-embeddings", "worker-default")} == {
        "worker-search": {"search"},
        "worker-embeddings": {"embeddings"},
        "worker-default": {"celery"},
    }
    assert "worker-search worker-embeddings worker-default" in targets["worker"]


def test_an_unacknowledged_import_is_not_handed_to_a_second_worker_while_it_runs():
    from sellers.tasks import bulk_import_run_task

    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > bulk_import_run_task.time_limit
