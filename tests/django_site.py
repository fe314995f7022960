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


def write(request, where):
    import os
    from pathlib import Path

    from django.conf import settings

    directory = {"base": Path(settings.BASE_DIR), "tmp": Path("/tmp")}[where]
    # A name of this process's: where /tmp is the machine's, other runs write there too.
    path = directory / f"written-{os.getpid()}.txt"
    path.write_text("written")
    return HttpResponse(f"wrote {path}\\n", content_type="text/plain")


urlpatterns = [
    path("", home),
    path("vote/", vote),
    path("logo.png", logo),
    path("cookies/", cookies),
    path("crash/", crash),
    path("write/<str:where>/", write),
]
"""

# The same site configured for production as the README recommends, with the admin.
PRODUCTION_SETTINGS = """
import os
import shutil

from starsite.settings import *  # noqa: F403

ALLOWED_HOSTS = [".lambda-url.eu-west-3.on.aws"]
SECURE_SSL_REDIRECT = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SECURE = True
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django_lambda",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        }},
    }}
]
ROOT_URLCONF = "starsite.production_urls"
STATIC_URL = "/static/"

# On Lambda only /tmp is writable: each environment starts with a copy of the
# database the package ships (seed.sqlite3, made with migrate before the build).
SEED = BASE_DIR / "seed.sqlite3"  # noqa: F405
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    DATABASE = {database!r}
    if not os.path.exists(DATABASE):
        shutil.copyfile(SEED, DATABASE)
else:
    DATABASE = SEED
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": DATABASE}}}}
DJANGO_LAMBDA = {{
    "FUNCTION_NAME": "stars",
    "REGION": "eu-west-3",
    "ENVIRONMENT": {{"DJANGO_SETTINGS_MODULE": "starsite.production"}},
    "INCLUDE": ["seed.sqlite3"],
}}
"""

PRODUCTION_URLS = """
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path


def elsewhere(request):
    # A redirect to an absolute URL, as request.build_absolute_uri() makes them.
    return HttpResponseRedirect(request.build_absolute_uri("/admin/"))


urlpatterns = [path("admin/", admin.site.urls), path("elsewhere/", elsewhere)]
"""


def make_site(directory: Path, database: Path, *, production: bool = False) -> Path:
    """The site's project directory, with Django and its dependencies copied in as project files.

    The requirements file lists nothing (the tests never reach PyPI); Django
    comes along as part of the project, the way the build copies any project file.
    ``database`` is where the function keeps its SQLite database: on Lambda, that
    is somewhere under /tmp. With ``production``, also ``starsite.production``,
    whose database must be made (``migrate``) as ``seed.sqlite3`` before the build.
    """
    package = directory / "starsite"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(textwrap.dedent(SETTINGS).format(database=str(database)))
    (package / "urls.py").write_text(textwrap.dedent(URLS))
    if production:
        (package / "production.py").write_text(
            textwrap.dedent(PRODUCTION_SETTINGS).format(database=str(database))
        )
        (package / "production_urls.py").write_text(textwrap.dedent(PRODUCTION_URLS))
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
