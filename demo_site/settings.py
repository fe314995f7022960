"""Settings for the demo site, written to pass ``manage.py check --deploy`` on Lambda.

Everything that differs between a laptop, the embedded sandbox and a real AWS
account comes from environment variables, so the same file serves all three:

- ``DJANGO_SECRET_KEY``: the signing key (without it, a random key per process;
  the demo signs nothing that has to outlive one).
- ``DJANGO_DEBUG=1``: debug pages (never on Lambda).
- ``DJANGO_ALLOWED_HOSTS``: extra host names, comma-separated (a custom domain).
- ``STARS_STATIC_BUCKET``: the S3 bucket for static files.
- ``STARS_STATIC_DOMAIN``: the host (and path) static URLs point at, e.g. a
  CloudFront domain; default: the bucket's own S3 host.
- ``AWS_ENDPOINT_URL``: boto3's own variable; ``--sandbox`` sets it to the
  embedded AWS, and static URLs then point at the sandbox bucket.
- ``STARS_CODE_BUCKET``: a private bucket the deploy uploads code through.
- ``DJANGO_LAMBDA_ROLE_ARN``: the function's execution role.
- ``STARS_APOD_URL``: where the background task fetches NASA's picture of the
  day; empty turns the fetch off and the page shows the bundled sample.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"

# Lambda sets AWS_REGION in every function's environment.
AWS_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

ALLOWED_HOSTS = [
    # Lambda Function URLs: https://<url-id>.lambda-url.<region>.on.aws/
    f".lambda-url.{AWS_REGION}.on.aws",
    # API Gateway (REST and HTTP APIs) on their default hosts.
    f".execute-api.{AWS_REGION}.amazonaws.com",
    # No 127.0.0.1: lambda_serve and lambda_invoke send the function's own host.
    *[
        host.strip()
        for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")
        if host.strip()
    ],
]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "django_lambda",
    "demo_site.stars",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

# The page needs no database. Lambda's file system is read-only outside /tmp
# and every instance has its own, so a site that needs one wants a server
# (RDS through RDS Proxy, or Aurora Serverless), not SQLite in the package.
DATABASES: dict[str, dict[str, str]] = {}

# No cache: each Lambda instance is its own process and may be frozen or
# dropped at any time, so a local-memory cache would only look like one.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
# The site is in English only: the package then leaves out Django's
# translations into its ~100 other languages (DJANGO_LAMBDA["PRUNE_LOCALES"]).
LANGUAGES = [("en", "English")]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# HTTPS. Function URLs and API Gateway accept only HTTPS; lambda_serve hands
# its plain-HTTP requests to the function as https on the function's host.
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_COOKIE_SECURE = True

# Static files: hashed names on S3, the manifest (staticfiles.json) in the
# deploy package next to manage.py, so a cold start never reads it from S3.
STATIC_BUCKET = os.environ.get("STARS_STATIC_BUCKET", "django-lambda-demo-static")
AWS_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL") or None
if AWS_ENDPOINT_URL:
    # The sandbox (or another S3-compatible endpoint): path-style object URLs.
    _endpoint = urlsplit(AWS_ENDPOINT_URL)
    STATIC_URL_PROTOCOL = f"{_endpoint.scheme}:"
    STATIC_DOMAIN = f"{_endpoint.netloc}/{STATIC_BUCKET}"
else:
    STATIC_URL_PROTOCOL = "https:"
    STATIC_DOMAIN = (
        os.environ.get("STARS_STATIC_DOMAIN") or f"{STATIC_BUCKET}.s3.{AWS_REGION}.amazonaws.com"
    )

STATIC_URL = f"{STATIC_URL_PROTOCOL}//{STATIC_DOMAIN}/static/"
STORAGES = {
    "staticfiles": {
        "BACKEND": "django_lambda.storage.StaticStorage",
        "OPTIONS": {
            "bucket_name": STATIC_BUCKET,
            "custom_domain": STATIC_DOMAIN,
            "url_protocol": STATIC_URL_PROTOCOL,
            "endpoint_url": AWS_ENDPOINT_URL,
            "region_name": AWS_REGION,
            "location": "static",
            # Hashed names never change content, so browsers may keep them.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    },
}

# Where the background task (stars.tasks.refresh_apod) fetches the Astronomy
# Picture of the Day.
STARS_APOD_URL = os.environ.get(
    "STARS_APOD_URL", "https://api.nasa.gov/planetary/apod?api_key=DEMO_KEY"
)
# Where the task stores it for every execution environment: an object in the
# static bucket (public, as the picture is), which the page reads from the
# static files' host over plain HTTP(S), without boto3. On AWS the function's
# role must be allowed s3:PutObject on it (docs/tutorial/demo.md).
STARS_APOD_BUCKET = STATIC_BUCKET
STARS_APOD_KEY = "stars/apod.json"
STARS_APOD_STORE_URL = f"{STATIC_URL_PROTOCOL}//{STATIC_DOMAIN}/{STARS_APOD_KEY}"

# Django's Tasks framework: the page enqueues the picture's refresh, which runs
# in another execution environment of the same function.
TASKS = {"default": {"BACKEND": "django_lambda.tasks.LambdaBackend"}}

# Lambda's Python runtime leaves the root logger at WARNING: let the demo's own
# INFO lines (what the task stored) through to the function's log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"demo_site": {"level": "INFO"}},
}

# Passed on to the function's environment, so the deployed site sees what
# the deploying shell saw.
_PASSED_ON = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "STARS_STATIC_BUCKET",
    "STARS_STATIC_DOMAIN",
    "STARS_APOD_URL",
)

DJANGO_LAMBDA = {
    "FUNCTION_NAME": "django-lambda-demo",
    "REGION": AWS_REGION,
    # lambda_deploy --sandbox fills this in with the sandbox's role.
    "ROLE_ARN": os.environ.get("DJANGO_LAMBDA_ROLE_ARN"),
    "MEMORY_SIZE": 512,
    "TIMEOUT": 15,
    "ENVIRONMENT": {
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
        **{name: os.environ[name] for name in _PASSED_ON if name in os.environ},
    },
    # Code goes up through S3 when this is set (lambda_deploy --sandbox sets
    # it to the sandbox's bucket). Never the public static bucket.
    "S3_BUCKET": os.environ.get("STARS_CODE_BUCKET") or None,
    # Once a day the function checks its own deployment settings; a failure is
    # logged at ERROR (lambda_logs shows it).
    "SCHEDULE": {"daily-check": {"command": "check --deploy", "schedule": "rate(1 day)"}},
}
