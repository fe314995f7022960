"""The tiny Django site every adapter benchmark serves: one view, one small HTML page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

SECRET_KEY = "benchmarks-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "benchmarks.settings"
INSTALLED_APPS = ["django_lambda"]
MIDDLEWARE: list[str] = []
DATABASES: dict[str, object] = {}
DJANGO_LAMBDA: dict[str, object] = {}

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Stars</title></head>
<body>
<h1>Stars</h1>
<p>Hello {name}, page {page} of the catalogue, sorted by {sort}.</p>
</body>
</html>
"""


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        PAGE.format(
            name=request.COOKIES.get("name", "stranger"),
            page=request.GET.get("page", "1"),
            sort=request.GET.get("sort", "name"),
        ),
        content_type="text/html; charset=utf-8",
    )


urlpatterns = [path("stars/", page)]
