"""Celery application. Workers start with ``celery -A config worker -Q <queue>`` (``make worker``).

Without ``DJANGO_SETTINGS_MODULE`` it loads the production settings, as ``wsgi.py`` does: a worker
started by hand or by a service manager fails loudly without its secrets instead of running with
DEBUG on. ``make worker`` and ``make beat`` name the local settings themselves."""

from __future__ import annotations

import os

from celery import Celery

# TensorFlow is only imported where images are embedded; keep its start-up chatter quiet.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("vitrine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
