"""A Django site with a database for the end-to-end tests: a model with a file, the admin,
PostgreSQL through psycopg, media on S3 (django-storages). Its requirements come from
wheels made from this machine's installed distributions, so pip never reaches an index.

Its settings read the database and the media bucket from the environment (as a
deployed site reads its secrets) and hand them on to the function through
``DJANGO_LAMBDA['ENVIRONMENT']``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from tests.serving import ROOT

# What the function reads from its environment; the settings pass these on.
FORWARDED = (
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
    "DB_CONN_MAX_AGE",
    "DB_CONN_HEALTH_CHECKS",
    "MEDIA_BUCKET",
    "DJANGO_SUPERUSER_USERNAME",
    "DJANGO_SUPERUSER_EMAIL",
    "DJANGO_SUPERUSER_PASSWORD",
)

SETTINGS = f"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "database-tests-only"
DEBUG = False
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
    "notes",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
ROOT_URLCONF = "notessite.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"

max_age = os.environ.get("DB_CONN_MAX_AGE", "0")
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("DB_HOST", ""),
        "PORT": os.environ.get("DB_PORT", ""),
        "NAME": os.environ.get("DB_NAME", ""),
        "USER": os.environ.get("DB_USER", ""),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "CONN_MAX_AGE": None if max_age == "None" else int(max_age),
        "CONN_HEALTH_CHECKS": os.environ.get("DB_CONN_HEALTH_CHECKS") == "1",
    }}
}}
STORAGES = {{
    "default": {{
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {{"bucket_name": os.environ.get("MEDIA_BUCKET", "notes-media")}},
    }},
    "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
}}
DJANGO_LAMBDA = {{
    "FUNCTION_NAME": "notes",
    "REGION": "eu-west-3",
    "REQUIREMENTS": "requirements.txt",
    "ENVIRONMENT": {{
        "DJANGO_SETTINGS_MODULE": "notessite.settings",
        **{{name: os.environ[name] for name in {FORWARDED!r} if name in os.environ}},
    }},
}}
"""

URLS = """
from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from notes.models import Note


def _backend():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@csrf_exempt
def notes(request):
    if request.method == "POST":
        Note.objects.create(text=request.POST["text"], attachment=request.FILES.get("attachment"))
    return JsonResponse(
        {
            "notes": [
                {"text": note.text, "attachment": note.attachment.url if note.attachment else None}
                for note in Note.objects.order_by("id")
            ],
            "backend": _backend(),
        }
    )


urlpatterns = [path("admin/", admin.site.urls), path("notes/", notes)]
"""

MODELS = """
from django.db import models


class Note(models.Model):
    text = models.CharField(max_length=200)
    attachment = models.FileField(upload_to="notes/", blank=True)
"""

ADMIN = """
from django.contrib import admin

from notes.models import Note

admin.site.register(Note)
"""

MIGRATION = """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.CharField(max_length=200)),
                ("attachment", models.FileField(blank=True, upload_to="notes/")),
            ],
        ),
    ]
"""

REQUIREMENTS = "Django\npsycopg[binary]\ndjango-storages\n"

# The installed distributions the requirements resolve to, on every Python the suite runs on
# (typing-extensions only where psycopg or asgiref need it; missing ones are not needed here).
DISTRIBUTIONS = (
    "Django",
    "asgiref",
    "sqlparse",
    "psycopg",
    "psycopg-binary",
    "typing-extensions",
    "django-storages",
)


def make_site(directory: Path) -> Path:
    """The site's project directory (``notessite`` and the ``notes`` app)."""
    files = {
        "notessite/__init__.py": "",
        "notessite/settings.py": SETTINGS,
        "notessite/urls.py": URLS,
        "notes/__init__.py": "",
        "notes/models.py": MODELS,
        "notes/admin.py": ADMIN,
        "notes/migrations/__init__.py": "",
        "notes/migrations/0001_initial.py": MIGRATION,
        "requirements.txt": REQUIREMENTS,
    }
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return directory


def make_wheels(directory: Path) -> Path:
    """Wheels of :data:`DISTRIBUTIONS` as installed here, with their own metadata and tags."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in DISTRIBUTIONS:
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        repack(distribution, directory)
    return directory


def repack(distribution: importlib.metadata.Distribution, directory: Path) -> Path:
    """A wheel of an installed distribution: its files, its METADATA and WHEEL, a new RECORD."""
    name = distribution.metadata["Name"].replace("-", "_")
    version = distribution.version
    dist_info = f"{name}-{version}.dist-info"
    wheel_text = distribution.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel_text.splitlines() if "Tag:" in line]
    parts = [list(dict.fromkeys(tag.split("-")[i] for tag in tags)) for i in range(3)]
    tag = "-".join(".".join(part) for part in parts)
    contents: dict[str, bytes] = {}
    for file in distribution.files or ():
        top = file.parts[0]
        if top.endswith(".dist-info") or top == ".." or "__pycache__" in file.parts:
            continue
        contents[file.as_posix()] = Path(str(file.locate())).read_bytes()
    contents[f"{dist_info}/METADATA"] = (distribution.read_text("METADATA") or "").encode()
    contents[f"{dist_info}/WHEEL"] = wheel_text.encode()
    record = []
    for path, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    contents[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = directory / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return wheel


def site_environment(site: Path, wheels: Path, **variables: str) -> dict[str, str]:
    """The environment of a command run in the site's project: its settings, pip offline."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "notessite.settings",
        "PYTHONPATH": f"{site}{os.pathsep}{ROOT}",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_CONFIG_FILE": os.devnull,
        **variables,
    }


def manage(
    site: Path, wheels: Path, *args: str, **variables: str
) -> subprocess.CompletedProcess[str]:
    """``python -m django <args>`` in the site's project, as a user runs ``manage.py``."""
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=site,
        env=site_environment(site, wheels, **variables),
        capture_output=True,
        text=True,
        timeout=600,
    )
