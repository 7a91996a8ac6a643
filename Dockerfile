# Image for the Django web process (gunicorn) and the Celery worker.
# Build: docker compose build   (see docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_MEDIA_ROOT=/data/media \
    VITRINE_CACHE_DIR=/data/cache \
    VGG16_WEIGHTS=/data/models/vgg16_imagenet_notop.weights.h5

WORKDIR /app

# Dependencies first, so code changes do not re-install them.
COPY requirements/ requirements/
RUN pip install -r requirements/base.txt
# onnx (a dev.txt tool) only for `manage.py vgg16_weights`, until the weights are built in a stage of their own.
RUN pip install "$(grep -E '^onnx==' requirements/dev.txt)"

COPY . .

# collectstatic needs the production settings to import; give it throw-away
# values (nothing connects to the database or the broker here).
RUN DJANGO_SECRET_KEY=collectstatic-build-only-not-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    CELERY_BROKER_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

# Run unprivileged. The /data directories exist (owned by app) in the image so
# that new named volumes mounted there inherit that ownership.
RUN useradd --create-home --uid 1000 --user-group app \
    && mkdir -p /data/models /data/media /data/cache /app/var \
    && chown -R app:app /data /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
