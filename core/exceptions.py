"""The shop's domain errors: one family, each class carrying the HTTP status it answers with.

Every error a shopper, seller or staff member can cause and fix is a ``ShopError``. Apps define
their own subclasses (``catalog.exceptions``, ``orders.exceptions``, ``recommender.exceptions``,
errors next to their services) under one of the kinds below, so that the HTTP mapping lives with
the error and not in the views:

=================  ======  ============================================================
class              status  meaning
=================  ======  ============================================================
``ShopError``      400     the request cannot be done as asked (the message says why)
``Forbidden``      403     this user may not do this
``NotFound``       404     no such object, or not one this user may see
``Conflict``       409     the request conflicts with the current state (stock, tokens)
``Gone``           410     it existed but has expired
``Unavailable``    503     a service the request needs did not answer in time; try again
=================  ======  ============================================================

How each kind of caller answers them:

- The API: ``core.api.exception_handler.exception_handler`` (DRF's ``EXCEPTION_HANDLER``) turns
  any ``ShopError`` into ``status_code`` with ``{"detail": message}``. Views do not catch them.
- Web (HTML) views catch the ``ShopError`` they expect and show it as a form error or message.
  A ``NotFound`` that leaves a view is answered with Django's 404 page by
  ``core.middleware.NotFoundMiddleware`` (it re-raises it as ``Http404``), so selectors and
  services raise ``NotFound`` subclasses, never ``django.http.Http404`` or a model's
  ``DoesNotExist``.
"""

from __future__ import annotations

from typing import ClassVar


class ShopError(Exception):
    """Base class of every error a shopper, seller or staff member can cause and fix: a 400."""

    status_code: ClassVar[int] = 400


class Forbidden(ShopError):
    """The user is known but may not do this: a 403."""

    status_code: ClassVar[int] = 403


class NotFound(ShopError):
    """No such object, or none this user may see (the same answer either way): a 404."""

    status_code: ClassVar[int] = 404


class Conflict(ShopError):
    """The request conflicts with the current state (not enough stock, a token used elsewhere): a 409."""

    status_code: ClassVar[int] = 409


class Gone(ShopError):
    """The object existed but is no longer available (an expired link): a 410."""

    status_code: ClassVar[int] = 410


class Unavailable(ShopError):
    """A service the request needs did not answer in time; the same request may work later: a 503."""

    status_code: ClassVar[int] = 503
