"""The web error pages: Django's ``handler404`` and ``handler500`` (set in ``config/urls.py``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from .exceptions import NotFound


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 page, ``templates/404.html``, with the shop's header (it is rendered with the
    request's context processors). ``reason`` is the domain's message ("No such product.") when
    a ``core.exceptions.NotFound`` caused it (see ``core.middleware``), else empty: Django's own
    404 messages are written for developers."""
    cause = exception.__cause__
    reason = str(cause) if isinstance(cause, NotFound) else ""
    body = loader.render_to_string("404.html", {"reason": reason, "request_path": request.path}, request)
    return HttpResponse(body, status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, ``templates/500.html``, rendered with no request context: the failure may
    be in what the context processors read (the database, the cache), so it needs none of them."""
    return HttpResponseServerError(loader.get_template("500.html").render())
