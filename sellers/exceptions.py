"""The seller side's domain errors (``core.exceptions`` family). The bulk import's own errors
(``BulkImportRefused``, ``RowError``) live next to it in ``sellers.bulk_import``."""

from __future__ import annotations

from core.exceptions import Forbidden, NotFound


class SellerNotApproved(Forbidden):
    """An applicant (or a suspended seller) tried to publish (403)."""


class BulkImportNotFound(NotFound):
    """No such bulk import among the seller's own (404)."""
