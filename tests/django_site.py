"""A tiny Django site on disk, to build into a real package for the end-to-end tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import asgiref
import django
import sqlparse

SETTINGS = """
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "end-to-end-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "starsite.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django_lambda"]
MIDDLEWARE = []
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {database!r}}}}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DJANGO_LAMBDA = {{"FUNCTION_NAME": "stars", "REQUIREMENTS": "requirements.txt"}}
"""

URLS = """
import json

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

PNG = bytes.fromhex("89504e470d0a1a0a") + bytes(range(256))


def home(request):
    return HttpResponse("<h1>Stars</h1>\\n")


@csrf_exempt
def vote(request):
    return JsonResponse(
        {"method": request.method, "form": request.POST, "cookies": request.COOKIES},
        status=201 if request.method == "POST" else 200,
    )


def logo(request):
    return HttpResponse(PNG, content_type="image/png")


def cookies(request):
    response = HttpResponse("three cookies\\n", content_type="text/plain")
    for name in ("a", "b", "c"):
        response.set_cookie(name, name.upper())
    return response


def crash(request):
    import os

    os._exit(7)


urlpatterns = [
    path("", home),
    path("vote/", vote),
    path("logo.png", logo),
    path("cookies/", cookies),
    path("crash/", crash),
]
"""


def make_site(directory: Path, database: Path) -> Path:
    """The site's project directory, with Django and its dependencies copied in as project files.

    The requirements file lists nothing (the tests never reach PyPI); Django
    comes along as part of the project, the way the build copies any project file.
    """
    package = directory / "starsite"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(textwrap.dedent(SETTINGS).format(database=str(database)))
    (package / "urls.py").write_text(textwrap.dedent(URLS))
    (directory / "requirements.txt").write_text(
        "# Django is copied into the project by the tests\n"
    )
    for module in (django, asgiref, sqlparse):
        assert module.__file__ is not None, module
        source = Path(module.__file__).parent
        shutil.copytree(
            source, directory / source.name, ignore=shutil.ignore_patterns("__pycache__")
        )
    return directory
