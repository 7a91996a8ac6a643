"""The Docker image builds (security review M12): its collectstatic step's environment, read from
the Dockerfile, is enough for the production settings; and no .env file, which base.py reads,
can reach git or the image."""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _collectstatic_step() -> tuple[dict[str, str], list[str]]:
    spec = importlib.util.spec_from_file_location("dockerfile_build_env", ROOT / "scripts" / "dockerfile_build_env.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.collectstatic_step(ROOT / "Dockerfile")


def test_the_dockerfile_collectstatic_environment_loads_the_production_settings():
    env, command = _collectstatic_step()
    assert command == ["python", "manage.py", "collectstatic", "--noinput"]
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": "/tmp", **env},  # nothing else: no secret, no .env
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "False"), done.stderr


def test_env_files_are_ignored_by_git_and_docker():
    for name in (".env", ".env.production"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode == 0, name
        patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()]
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


def test_ci_runs_the_docker_build_check():
    assert "scripts/docker_build_check.sh" in (ROOT / ".ci" / "run").read_text()
