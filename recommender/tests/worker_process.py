"""Real Celery worker processes for tests: started on this run's PostgreSQL test database, the
same broker and MEDIA_ROOT, on a queue of their own (see test_worker.py for why)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

if TYPE_CHECKING:
    from celery import Celery

ROOT = Path(__file__).resolve().parents[2]


def database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def routes_reload(app: Celery) -> None:
    """Celery builds its router from ``task_routes`` once; rebuild it after changing them."""
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@contextmanager
def routed_to(queue: str) -> Iterator[None]:
    """Send every routed task of this process to ``queue`` (not eagerly) while inside."""
    from config.celery_app import app

    saved = (app.conf.task_routes, app.conf.task_always_eager)
    app.conf.task_routes = {name: {"queue": queue} for name in django_settings.CELERY_TASK_ROUTES}
    routes_reload(app)
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_routes, app.conf.task_always_eager = saved
        routes_reload(app)


def worker_start(
    *, queue: str, media_root: Path, log: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``celery worker --pool solo -Q queue`` and wait (≤ 60 s) until it answers a ping."""
    from config.celery_app import app

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_MEDIA_ROOT": str(media_root),
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONPATH": str(ROOT),
        "CELERY_TEST_QUEUE": queue,
        **(extra_env or {}),
    }
    hostname = f"{queue}-{time.monotonic_ns()}@%h"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", queue, "-n", hostname,
        "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with open(log, "ab") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    name = hostname.split("@")[0]
    while not any(name in host for reply in app.control.ping(timeout=1.0) for host in reply):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start (exit {process.poll()}):\n{log.read_text()[-4000:]}")
    return process


def worker_stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
