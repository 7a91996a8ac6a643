"""Local development and the embedded default (`make run`): SQLite, eager Celery, DEBUG.

There is no public fallback ``SECRET_KEY``: unless ``DJANGO_SECRET_KEY`` is set, the checkout's
own random key is used, made on first use in ``var/secret_key`` (``DJANGO_SECRET_KEY_FILE``;
mode 0600, never committed: ``var/`` is ignored). So guest order links, password-reset tokens
and test-payment confirmations signed by one checkout cannot be forged with a key from the
repository.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env


def _checkout_secret_key(path: Path) -> str:
    """The key stored at ``path``, made there (50 random URL-safe bytes, mode 0600) if missing.
    Safe when two processes start at once (runserver's reloader): the first one writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text().strip()


DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or _checkout_secret_key(
    Path(env("DJANGO_SECRET_KEY_FILE", default=str(BASE_DIR / "var" / "secret_key")))
)
