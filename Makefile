# Vitrine: `make run` (everything, then serve http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PER_CATEGORY ?= 200
WEIGHTS := var/models/vgg16_imagenet_notop.weights.h5

.PHONY: lint check typecheck run test venv weights catalog serve worker worker-search worker-embeddings worker-default beat pgvector benchmark evaluate clean

run: catalog serve

venv: $(VENV)/.installed

# Development installs everything: requirements/dev.txt includes what production runs (base.txt).
$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

weights: venv
	$(MANAGE) vgg16_weights

# Migrate SQLite, import real Fashion-MNIST products (dyed in shop colours), embed them, then train
# what find by photo learns from them: the invariance projection and the calibrated classifier.
catalog: weights
	$(MANAGE) migrate --no-input
	$(MANAGE) import_fashion_mnist --per-category $(PER_CATEGORY)
	$(MANAGE) embed_images
	$(MANAGE) image_colours
	$(MANAGE) train_recommender

serve: venv
	$(MANAGE) runserver 127.0.0.1:8000

test: weights
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# lint, plus the dependency check: every import declared, every production requirement used, no
# dev-only tool imported by production code (deptry; configured in pyproject.toml), and the
# import contracts of .importlinter (core imports no app; apps are layered).
check: lint
	$(VENV)/bin/deptry .
	$(VENV)/bin/lint-imports

# mypy with django-stubs and djangorestframework-stubs; what it checks is in mypy.ini.
typecheck: venv
	$(VENV)/bin/mypy

# Production-like topology without Docker: PostgreSQL with pgvector, Redis and a Celery worker.
pgvector: venv
	scripts/pgvector_server.sh start

# One worker pool per queue (CELERY_TASK_ROUTES), as docker-compose runs them: find by photo never
# waits behind embeddings, a bulk import or an e-mail. `make worker` starts the three together.
CELERY_WORKER := DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} $(VENV)/bin/celery -A config worker

worker: venv
	$(MAKE) -j3 worker-search worker-embeddings worker-default

worker-search: venv
	$(CELERY_WORKER) -Q search -n search@%h --concurrency 2 -l warning

worker-embeddings: venv
	$(CELERY_WORKER) -Q embeddings -n embeddings@%h --concurrency 1 -l info

worker-default: venv
	$(CELERY_WORKER) -Q celery -n default@%h --concurrency 2 -l info

# The periodic tasks (CELERY_BEAT_SCHEDULE: cancel orders unpaid after ORDER_PAYMENT_EXPIRY_MINUTES); run one.
beat: venv
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} $(VENV)/bin/celery -A config beat -l info --schedule var/celerybeat-schedule

evaluate: venv
	$(MANAGE) evaluate_recommender

benchmark: venv
	$(MANAGE) benchmark_recommender

clean:
	rm -rf db.sqlite3 media var/reports
