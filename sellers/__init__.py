"""The seller side of the shop: the dashboard at /sell/ (apply, products, photos, bulk import),
the Seller API (/api/seller/...), the seller-scoped services and selectors (the ownership rule
``selectors.seller_owned`` and the approval check ``services.seller_approval_check``) and the
bulk import with its Celery task.

This app has no models and no migrations: ``Seller`` stays in ``accounts`` (a seller is a kind
of account, approved by staff there) and the catalog rows a seller writes (``Product``,
``ProductImage``, ``BulkImport``) stay in ``catalog``, which knows nothing of this app. It may
import ``core``, ``accounts``, ``catalog`` and ``recommender`` only (``.importlinter``).
"""
