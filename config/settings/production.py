"""Production: PostgreSQL + pgvector, Redis broker, real Celery workers. Secrets have no default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_config, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": database_config(env("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
# HTTPS only. nginx (config/nginx.conf) sets X-Forwarded-Proto: the scheme of a TLS-terminating
# load balancer in front of it, else its own. Over plain HTTP (docker compose on localhost) set
# DJANGO_SECURE_SSL_REDIRECT=false and DJANGO_SECURE_HSTS_SECONDS=0 with DJANGO_SECURE_COOKIES=false.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)  # one year
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Joining browsers' preload list is the domain owner's decision (hard to undo): opt in with
# DJANGO_SECURE_HSTS_PRELOAD=true; `check --deploy` is not asked to warn about it.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
SITE_URL = env("SITE_URL").rstrip("/")  # receipts and payment callbacks need the real address
PAYMENT_HOST = SITE_URL.split("://", 1)[1]
PAYMENT_USES_SSL = SITE_URL.startswith("https://")
# No default: a live shop states which provider takes its money ("stripe"); "test" accepts test
# cards only and charges nothing, so it needs ALLOW_TEST_PAYMENTS=true (demos and staging).
PAYMENT_VARIANT = env("PAYMENT_VARIANT")
if PAYMENT_VARIANT not in PAYMENT_VARIANTS:  # noqa: F405
    raise ImproperlyConfigured(
        f"PAYMENT_VARIANT={PAYMENT_VARIANT!r}: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET for 'stripe'."
    )
if PAYMENT_VARIANT == "test" and not ALLOW_TEST_PAYMENTS:  # noqa: F405
    raise ImproperlyConfigured(
        "PAYMENT_VARIANT='test' takes test cards and charges nothing: use 'stripe' for a live shop, or set "
        "ALLOW_TEST_PAYMENTS=true for a demo or staging shop."
    )
# Login rate limits must be counted across all web processes (allauth keeps them in the cache).
CACHES = {"default": env.cache_url("CACHE_URL")}
