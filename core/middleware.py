"""Web (HTML) answers for the domain's errors (see ``core.exceptions``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from .exceptions import NotFound


class NotFoundMiddleware:
    """Answers a ``core.exceptions.NotFound`` that leaves a web view with Django's 404 page, as
    ``Http404`` with the same message. API views never let one through: DRF's exception handler
    answers it first (``core.api.exception_handler``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            # Raised, not returned: Django's handler renders the 404 page (and handler404) as for
            # any Http404.
            raise Http404(str(exception)) from exception
        return None
