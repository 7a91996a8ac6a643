"""The project's URLs, plus a stand-in ``search:results`` page while the search app's own page
(``search/urls.py``) is not part of the project's URLs: suggestions link to it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from config.urls import urlpatterns as project_urlpatterns


def _results(request: HttpRequest) -> HttpResponse:
    return HttpResponse("results")


urlpatterns: list[URLPattern | URLResolver] = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "search" for p in project_urlpatterns):
    urlpatterns.insert(0, path("", include(([path("search/", _results, name="results")], "search"))))
