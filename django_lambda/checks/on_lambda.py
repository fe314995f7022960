"""W100-W119: settings that break, or quietly misbehave, on Lambda.

They run with ``check --deploy`` and before every deploy. Every Lambda
instance is a separate process with its own memory and its own /tmp, the
package directory is read-only, and instances come and go without notice.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models import FileField
from django.http.request import validate_host

from django_lambda.conf import SETTING_NAME, function_region, lambda_settings
from django_lambda.configuration import DEFAULT_REGION


def judged_with() -> str:
    """Which environment the settings were evaluated with, for the warnings below.

    They judge the settings the function runs with, which the function
    evaluates with its own environment: ``check --deploy`` by hand sees this
    process's, ``lambda_deploy`` runs them with the function's.
    """
    if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:
        return (
            f" (Judged with the function's environment: {SETTING_NAME}['ENVIRONMENT'] and the "
            "variables Lambda sets.)"
        )
    return (
        " (Judged with this process's environment, not the function's; lambda_deploy "
        f"judges again with {SETTING_NAME}['ENVIRONMENT'] and the variables Lambda sets.)"
    )


_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": ("W100", "local-memory"),
    "django.core.cache.backends.filebased.FileBasedCache": ("W101", "file-based"),
}
_SHARED_CACHE_HINT = (
    "Use a cache every instance shares: Redis or Memcached (ElastiCache), or "
    "django.core.cache.backends.db.DatabaseCache. If nothing relies on the cache being "
    "shared, use django.core.cache.backends.dummy.DummyCache or silence {id}."
)


def check_caches(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    return [
        _local_cache_warning(alias, config["BACKEND"])
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND", "") in _LOCAL_CACHES
    ]


def _local_cache_warning(alias: str, backend: str) -> CheckMessage:
    """W100, W101: the cache ``alias`` is one that every instance has for itself."""
    number, kind = _LOCAL_CACHES[backend]
    check_id = f"django_lambda.{number}"
    return CheckWarning(
        f"The cache {alias!r} is {kind} ({backend}): on Lambda every instance has its own, so "
        "a value set by one request is missing or stale in the next." + judged_with(),
        hint=_SHARED_CACHE_HINT.format(id=check_id),
        id=check_id,
    )


def check_sessions(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    engine = settings.SESSION_ENGINE
    hint = (
        "Use django.contrib.sessions.backends.db (or cached_db), or "
        "django.contrib.sessions.backends.signed_cookies."
    )
    if engine == "django.contrib.sessions.backends.file":
        return [
            CheckWarning(
                "SESSION_ENGINE stores sessions in files: on Lambda each instance has its own "
                "/tmp, so users are logged out whenever a request reaches another instance."
                + judged_with(),
                hint=hint,
                id="django_lambda.W102",
            )
        ]
    if engine == "django.contrib.sessions.backends.cache":
        backend = settings.CACHES.get(settings.SESSION_CACHE_ALIAS, {}).get("BACKEND", "")
        if backend in _LOCAL_CACHES:
            return [
                CheckWarning(
                    "SESSION_ENGINE stores sessions only in the cache "
                    f"{settings.SESSION_CACHE_ALIAS!r}, which is {_LOCAL_CACHES[backend][1]}: "
                    "on Lambda users are logged out whenever a request reaches another "
                    "instance." + judged_with(),
                    hint=hint + " Or point the cache at Redis or Memcached.",
                    id="django_lambda.W103",
                )
            ]
    return []


def check_databases(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    warnings: list[CheckMessage] = []
    for alias, config in settings.DATABASES.items():
        engine = config.get("ENGINE", "")
        name = str(config.get("NAME", ""))
        if engine.endswith((".sqlite3", ".spatialite")):
            in_memory = name in ("", ":memory:") or "mode=memory" in name
            if not in_memory and not _in_lambda_tmp(name):
                warnings.append(
                    CheckWarning(
                        f"The database {alias!r} is SQLite at {name}: on Lambda the package "
                        "directory is read-only and only /tmp is writable, one /tmp per "
                        "instance, so writes fail there or are lost." + judged_with(),
                        hint="Use a database server (Amazon RDS or Aurora, PostgreSQL or "
                        "MySQL). If the SQLite file is read-only data shipped in the package, "
                        "list it in DJANGO_LAMBDA['INCLUDE'] (*.sqlite3 is left out by default) "
                        "and silence django_lambda.W104.",
                        id="django_lambda.W104",
                    )
                )
            continue
        max_age: Any = config.get("CONN_MAX_AGE", 0)
        if _persistent(max_age):
            warnings.append(
                CheckWarning(
                    f"The database {alias!r} keeps connections open (CONN_MAX_AGE = "
                    f"{max_age!r}): every Lambda instance holds its own, so a burst of "
                    "instances can use up the database's connections, and connections of "
                    "frozen instances linger." + judged_with(),
                    hint="Put RDS Proxy (or PgBouncer) between the function and the database "
                    "and silence django_lambda.W106, or set CONN_MAX_AGE = 0.",
                    id="django_lambda.W106",
                )
            )
    return warnings


def check_connection_health(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W109: connections kept between requests, never checked before reuse.

    A Lambda instance may be frozen between two requests for minutes; meanwhile
    the database, RDS Proxy (its idle client timeout) or a failover closes the
    connection, and the next query on it fails. ``CONN_HEALTH_CHECKS`` (Django
    4.1 and later) makes Django test a kept connection before the first query of
    each request and open a new one if it is gone.
    """
    return [
        CheckWarning(
            f"The database {alias!r} keeps connections between requests (CONN_MAX_AGE = "
            f"{config.get('CONN_MAX_AGE')!r}) without CONN_HEALTH_CHECKS: a Lambda instance "
            "can be frozen between two requests for minutes, and a connection the database "
            "or RDS Proxy closed meanwhile makes the next request fail." + judged_with(),
            hint=f"Set DATABASES[{alias!r}]['CONN_HEALTH_CHECKS'] = True, or CONN_MAX_AGE = 0.",
            id="django_lambda.W109",
        )
        for alias, config in settings.DATABASES.items()
        if not config.get("ENGINE", "").endswith((".sqlite3", ".spatialite"))
        and _persistent(config.get("CONN_MAX_AGE", 0))
        and not config.get("CONN_HEALTH_CHECKS", False)
    ]


def _persistent(max_age: Any) -> bool:
    """Whether CONN_MAX_AGE keeps a connection after its request (None: forever)."""
    return max_age is None or max_age > 0


def _in_lambda_tmp(path: str) -> bool:
    """Whether ``path`` is in Lambda's writable /tmp.

    A project checked out under this machine's /tmp is not: on Lambda it is
    the read-only /var/task, so a file inside it is judged by where it ships.
    """
    absolute = PurePosixPath(os.path.abspath(path))
    project_dir = lambda_settings.project_dir
    if absolute.is_relative_to(project_dir) or absolute.is_relative_to(project_dir.resolve()):
        return False
    return absolute.is_relative_to("/tmp")


def check_media_storage(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    fields = sorted(
        f"{model._meta.label}.{field.name}"
        for config in configs
        for model in config.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField) and isinstance(field.storage, FileSystemStorage)
    )
    media_root = settings.MEDIA_ROOT
    if not fields and not (media_root and isinstance(default_storage, FileSystemStorage)):
        return []
    where = f"these fields upload there: {', '.join(fields)}" if fields else "MEDIA_ROOT is set"
    return [
        CheckWarning(
            "Media files are stored on the local file system (FileSystemStorage) and "
            f"{where}. On Lambda the package directory is read-only and /tmp belongs to one "
            "instance, so uploads fail or disappear." + judged_with(),
            hint="Store media on S3: STORAGES['default'] = {'BACKEND': "
            "'storages.backends.s3.S3Storage', 'OPTIONS': {'bucket_name': ...}} "
            "(django-storages), and the same for any field with its own storage.",
            id="django_lambda.W105",
        )
    ]


def check_debug(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if not settings.DEBUG:
        return []
    return [
        CheckWarning(
            "DEBUG is True: the deployed function would show tracebacks and settings to "
            "anyone who can reach its URL, and keeps every SQL query in memory." + judged_with(),
            hint="Set DEBUG = False for the deployed settings, for example from an "
            "environment variable set in DJANGO_LAMBDA['ENVIRONMENT'].",
            id="django_lambda.W107",
        )
    ]


# Names that only ever reach a server running on the developer's machine.
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0", "testserver"}


def check_allowed_hosts(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        # What Django itself allows in that case.
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    # The function's region (conf.function_region), as lambda_deploy deploys it.
    region = function_region(lambda_settings.REGION) or DEFAULT_REGION
    function_url = f"abcdefghijklmnopqrstuvwxyz012345.lambda-url.{region}.on.aws"
    http_api = f"abcde01234.execute-api.{region}.amazonaws.com"
    local_only = all(
        host in _LOCAL_HOSTS or host.rstrip(".").endswith(".localhost") for host in allowed
    )
    http = lambda_settings.HTTP
    if http == "function_url":
        if validate_host(function_url, allowed):
            return []
        host, suffix = "function URL", f".lambda-url.{region}.on.aws"
    else:
        # An HTTP API, or none, may sit behind a custom domain: only names
        # that can never reach Lambda are sure to be wrong.
        if validate_host(http_api, allowed) or not local_only:
            return []
        host, suffix = "HTTP API", f".execute-api.{region}.amazonaws.com"
    return [
        CheckWarning(
            f"ALLOWED_HOSTS {allowed!r} cannot match the function's {host} host "
            f"(*{suffix}), so Django would answer every request with 400 Bad Request."
            + judged_with(),
            hint=f"Add {suffix!r} to ALLOWED_HOSTS (or the exact host once the deploy has "
            "printed it), plus any custom domain in front of the function.",
            id="django_lambda.W108",
        )
    ]
