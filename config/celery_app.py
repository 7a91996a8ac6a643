"""Celery application. Workers start with ``celery -A config worker -Q search,embeddings,celery``."""

from __future__ import annotations

import os

from celery import Celery

# TensorFlow is only imported where images are embedded; keep its start-up chatter quiet.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("vitrine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
