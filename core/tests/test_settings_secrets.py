"""No public fallback SECRET_KEY (security review M13): the local settings use the checkout's own
random key file, and the Celery app without DJANGO_SETTINGS_MODULE loads the production settings,
which refuse to start without their secrets. Each case runs in a fresh interpreter."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


LOCAL_KEY = "from config.settings import local; print(local.SECRET_KEY)"


def test_local_settings_make_a_private_key_per_checkout_and_keep_it(tmp_path: Path):
    key_file = tmp_path / "var" / "secret_key"
    first = _python(LOCAL_KEY, DJANGO_SECRET_KEY_FILE=str(key_file))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key != "insecure-local-development-key-change-me"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = _python(LOCAL_KEY, DJANGO_SECRET_KEY_FILE=str(key_file))
    assert again.stdout.strip() == key


def test_local_settings_take_the_key_from_the_environment_first(tmp_path: Path):
    key_file = tmp_path / "secret_key"
    done = _python(LOCAL_KEY, DJANGO_SECRET_KEY="from-the-environment", DJANGO_SECRET_KEY_FILE=str(key_file))
    assert done.stdout.strip() == "from-the-environment"
    assert not key_file.exists()


def test_the_celery_app_defaults_to_production_settings_and_fails_without_secrets():
    done = _python("from config.celery_app import app; app.conf.broker_url")
    assert done.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in done.stderr


def test_manage_py_stays_on_the_local_settings_for_make_run():
    assert "config.settings.local" in (Path(settings.BASE_DIR) / "manage.py").read_text()
