"""Test settings: fast hashing, in-memory email, eager Celery unless a broker is given."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-secret-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
# No find-by-photo limit unless a test sets one (and clears the cache).
PHOTO_SEARCH_RATE = "off"
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=16)

# A test's own worker process (recommender/tests/worker_process.py) sends every task it makes
# to that test's queue, so tasks enqueued inside the worker come back to it, not to a shared queue.
if env("CELERY_TEST_QUEUE", default=""):
    CELERY_TASK_ROUTES = {name: {"queue": env("CELERY_TEST_QUEUE")} for name in CELERY_TASK_ROUTES}  # noqa: F405

# The sample catalog is 120 products: one customer-style view each keeps classifier training ~1 s.
CLASSIFIER_VIEWS_PER_PRODUCT = env.int("CLASSIFIER_VIEWS_PER_PRODUCT", default=1)
# No learned projection unless a test trains one (a developer's trained file must not leak in).
EMBEDDING_PROJECTION = None
