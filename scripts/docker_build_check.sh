#!/usr/bin/env bash
# The Docker image's build steps, natively and without Docker (.ci/run runs this), then
# `check --deploy` on the production settings. The build step: the final
# stage's `collectstatic`, with exactly the environment the Dockerfile gives it (its ENV values
# and the RUN line's throw-away values, read from the Dockerfile by dockerfile_build_env.py) and
# nothing else: no secret, no .env (base.py reads BASE_DIR/.env; .gitignore and .dockerignore
# keep it out of git and of the image). Files go to a temporary STATIC_ROOT.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
if [ -e .env ]; then
  echo "docker_build_check: a .env in the checkout would hide missing build values; move it away" >&2
  exit 1
fi
static_root="$(mktemp -d)"
trap 'rm -rf "$static_root"' EXIT

mapfile -t lines < <("$PY" scripts/dockerfile_build_env.py Dockerfile)
command="${lines[-1]}"
unset 'lines[-1]'
# The Dockerfile's `python` is the image's interpreter: here, the venv's.
read -r -a argv <<<"${command/#python /$PY }"

echo "== Dockerfile: ${command}"
env -i PATH="$PATH" HOME="${HOME:-/tmp}" LANG=C.UTF-8 "${lines[@]}" DJANGO_STATIC_ROOT="$static_root" \
  "${argv[@]}" >/dev/null
echo "ok: $(find "$static_root" -type f | wc -l) static files collected with production settings and no secrets"

# The deployment checklist on the same production settings, with the runtime values a shop sets
# (dummies: nothing connects anywhere), the secret key random as a real one.
echo "== manage.py check --deploy --fail-level WARNING (production settings)"
env -i PATH="$PATH" HOME="${HOME:-/tmp}" LANG=C.UTF-8 \
  DJANGO_SETTINGS_MODULE=config.settings.production \
  DJANGO_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  DJANGO_ALLOWED_HOSTS=shop.example.com \
  DATABASE_URL=postgres://check:check@localhost:5432/check \
  CELERY_BROKER_URL=redis://localhost:6379/0 CACHE_URL=redis://localhost:6379/1 \
  SITE_URL=https://shop.example.com PAYMENT_VARIANT=stripe STRIPE_SECRET_KEY=sk_test_check STRIPE_WEBHOOK_SECRET=whsec_check \
  "$PY" manage.py check --deploy --fail-level WARNING
