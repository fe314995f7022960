"""System checks for the ``DJANGO_LAMBDA`` setting.

Ids are never reused. Ranges: E001-E009 the setting itself, E010-E019 the
handler, E020-E029 static files, E100-E199 / W100-W199 deploying.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from pathlib import PurePath, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags
from django.core.checks import Warning as CheckWarning
from django.core.checks import register as register_check
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models import FileField
from django.http.request import validate_host

from django_lambda.conf import (
    DEFAULT_REGION,
    DEFAULTS,
    SETTING_NAME,
    function_region,
    is_str_list,
    lambda_settings,
)


def register() -> None:
    register_check(Tags.compatibility)(check_setting_shape)
    register_check(Tags.staticfiles)(check_static_storage)
    register_check(Tags.compatibility)(check_handler_settings)
    register_check(Tags.compatibility)(check_deploy_values)
    register_check(Tags.compatibility)(check_package_settings)
    for check in DEPLOY_CHECKS:
        register_check(Tags.compatibility, deploy=True)(check)


def check_setting_shape(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    user = lambda_settings.user_dict
    if user is None:
        return []
    if not isinstance(user, dict):
        return [
            Error(
                f"{SETTING_NAME} must be a dict, not {type(user).__name__}.",
                hint=f"Write {SETTING_NAME} = {{'FUNCTION_NAME': 'my-site', ...}}.",
                id="django_lambda.E002",
            )
        ]
    errors: list[CheckMessage] = []
    for key in sorted(set(user) - set(DEFAULTS), key=str):
        close = difflib.get_close_matches(str(key), DEFAULTS, n=1)
        hint = (
            f"Did you mean {close[0]!r}?"
            if close
            else "Valid keys: " + ", ".join(sorted(DEFAULTS)) + "."
        )
        errors.append(
            Error(
                f"{SETTING_NAME} has an unknown key {key!r}.",
                hint=hint,
                id="django_lambda.E001",
            )
        )
    return errors


# Building the package: E100-E119 (E109-E112 what PRUNE leaves out, E113 COMPILE,
# E114 PRUNE_LOCALES, E115 INCLUDE reaching outside the project, E116-E119
# PROJECT_DIR and BUILD_DIR; E117, whether PROJECT_DIR exists, is checked by
# lambda_deploy only, in check_deploy_settings).


def check_package_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # Imported here: checks.py loads at every start (AppConfig.ready), and the
    # build code (zipfile, tempfile, ...) has no business in a cold start.
    from django_lambda.package.rules import (
        BUILD_DIR_HINT,
        INCLUDE_HINT,
        MACHINES,
        build_dir_problem,
        python_version,
    )

    user = lambda_settings.user_dict
    if not isinstance(user, dict):
        return []
    errors: list[CheckMessage] = []
    requirements = lambda_settings.REQUIREMENTS
    if requirements is not None and not isinstance(requirements, (str, os.PathLike)):
        errors.append(
            Error(
                f"{SETTING_NAME}['REQUIREMENTS'] must be a path, not {requirements!r}.",
                hint="Give the requirements file relative to the project directory, "
                "such as 'requirements.txt', or None to install nothing.",
                id="django_lambda.E101",
            )
        )
    elif "REQUIREMENTS" in user and requirements is not None:
        path = lambda_settings.project_dir / requirements
        if not path.is_file():
            errors.append(
                Error(
                    f"{SETTING_NAME}['REQUIREMENTS'] is {requirements!r}, but {path} does not "
                    "exist.",
                    hint="Create the file, fix the path (it is relative to the project "
                    "directory), or set REQUIREMENTS to None to install nothing.",
                    id="django_lambda.E100",
                )
            )
    for key, check_id in (("INCLUDE", "E102"), ("EXCLUDE", "E103"), ("RUNTIME_PACKAGES", "E105")):
        value = getattr(lambda_settings, key)
        if not is_str_list(value):
            errors.append(
                Error(
                    f"{SETTING_NAME}[{key!r}] must be a list of strings, not {value!r}.",
                    hint=f"Write {key} as a list, such as ['docs', '*.sqlite3']."
                    if key != "RUNTIME_PACKAGES"
                    else "Write RUNTIME_PACKAGES as a list of distribution names, "
                    "such as ['boto3', 'botocore'].",
                    id=f"django_lambda.{check_id}",
                )
            )
    include = lambda_settings.INCLUDE
    for pattern in include if is_str_list(include) else []:
        if PurePath(pattern).is_absolute() or os.pardir in PurePath(pattern).parts:
            where = "is absolute" if PurePath(pattern).is_absolute() else "goes up with '..'"
            errors.append(
                Error(
                    f"{SETTING_NAME}['INCLUDE'] has the pattern {pattern!r}, which {where}: "
                    "it can match files outside the project directory.",
                    hint=INCLUDE_HINT,
                    id="django_lambda.E115",
                )
            )
    paths_ok = True
    for key, check_id, hint in (
        (
            "PROJECT_DIR",
            "E116",
            "Give the directory that holds manage.py, such as BASE_DIR, or None (the "
            "default) for settings.BASE_DIR.",
        ),
        (
            "BUILD_DIR",
            "E118",
            "Give the directory for the build's output, relative to the project directory "
            "or absolute, such as '.lambda' (the default).",
        ),
    ):
        value = getattr(lambda_settings, key)
        if not (isinstance(value, (str, os.PathLike)) or (key == "PROJECT_DIR" and value is None)):
            paths_ok = False
            errors.append(
                Error(
                    f"{SETTING_NAME}[{key!r}] must be a path (a str or os.PathLike), not "
                    f"{type(value).__name__}: {value!r}.",
                    hint=hint,
                    id=f"django_lambda.{check_id}",
                )
            )
    problem = (
        build_dir_problem(
            lambda_settings.project_dir, lambda_settings.build_dir, lambda_settings.BUILD_DIR
        )
        if paths_ok
        else None
    )
    if problem:
        errors.append(Error(problem, hint=BUILD_DIR_HINT, id="django_lambda.E119"))
    exclude_runtime = lambda_settings.EXCLUDE_RUNTIME_PACKAGES
    if not isinstance(exclude_runtime, bool):
        errors.append(
            Error(
                f"{SETTING_NAME}['EXCLUDE_RUNTIME_PACKAGES'] must be True or False, not "
                f"{exclude_runtime!r}.",
                hint="True (the default) leaves boto3 and the other packages the Lambda "
                "runtime provides out of the package; False ships your own versions.",
                id="django_lambda.E104",
            )
        )
    runtime = lambda_settings.RUNTIME
    if runtime is not None and python_version(runtime) is None:
        errors.append(
            Error(
                f"{SETTING_NAME}['RUNTIME'] is {runtime!r}, which is not a Lambda Python "
                "runtime this can build for.",
                hint="Use 'python3.10' or later, such as 'python3.12', or None for the "
                "version of the Python running Django.",
                id="django_lambda.E106",
            )
        )
    architecture = lambda_settings.ARCHITECTURE
    if not isinstance(architecture, str) or architecture not in MACHINES:
        errors.append(
            Error(
                f"{SETTING_NAME}['ARCHITECTURE'] is {architecture!r}.",
                hint="Use 'x86_64' or 'arm64' (Graviton).",
                id="django_lambda.E107",
            )
        )
    bucket = lambda_settings.S3_BUCKET
    if bucket is not None and (not isinstance(bucket, str) or not bucket):
        errors.append(
            Error(
                f"{SETTING_NAME}['S3_BUCKET'] must be a bucket name, not {bucket!r}.",
                hint="Give the name of an S3 bucket in the function's region, such as "
                "'my-site-deploys', or None to upload packages directly (up to 50 MB zipped).",
                id="django_lambda.E108",
            )
        )
    errors.extend(_check_prune())
    errors.extend(_check_compile())
    return errors


# What every function reads from its requirements, as a path a PRUNE pattern
# could match, and what it is.
_NEEDED_AT_RUN_TIME = {
    "package/module.py": "Python modules",
    "package/__init__.py": "Python packages",
    "package/_speedups.cpython-312-x86_64-linux-gnu.so": "compiled extension modules",
    "package-1.0.dist-info/METADATA": "distribution metadata (importlib.metadata reads it)",
}
_TRANSLATIONS = "package/locale/fr/LC_MESSAGES/django.mo"


def _check_prune() -> list[CheckMessage]:
    from django_lambda.package.rules import excluded  # not at import: see check_package_settings

    errors: list[CheckMessage] = []
    prune = lambda_settings.PRUNE
    if not is_str_list(prune):
        errors.append(
            Error(
                f"{SETTING_NAME}['PRUNE'] must be a list of strings, not {prune!r}.",
                hint="Write PRUNE as a list of patterns, such as [*DEFAULT_PRUNE, "
                "'django/contrib/gis'] (DEFAULT_PRUNE is in django_lambda.conf), or [] to "
                "ship the requirements whole.",
                id="django_lambda.E109",
            )
        )
        prune = []
    for pattern in prune:
        needed = [what for path, what in _NEEDED_AT_RUN_TIME.items() if excluded(path, [pattern])]
        if needed:
            errors.append(
                Error(
                    f"{SETTING_NAME}['PRUNE'] has the pattern {pattern!r}, which would leave "
                    f"out {' and '.join(needed)}.",
                    hint="Every function needs those. Remove the pattern or narrow it: PRUNE "
                    "patterns match paths inside the installed requirements, such as '*.po' "
                    "or 'django/contrib/gis'.",
                    id="django_lambda.E111",
                )
            )
        elif settings.USE_I18N and excluded(_TRANSLATIONS, [pattern]):
            errors.append(
                Error(
                    f"{SETTING_NAME}['PRUNE'] has the pattern {pattern!r}, which would leave "
                    "out compiled translations (.mo files) while USE_I18N is True.",
                    hint="Django reads .mo files to translate; without them every page falls "
                    "back to the original English. Remove the pattern (to leave out the "
                    "gettext sources, the pattern is '*.po'), or set USE_I18N = False if the "
                    "site is not translated.",
                    id="django_lambda.E112",
                )
            )
    prune_static = lambda_settings.PRUNE_STATIC
    if not isinstance(prune_static, bool):
        errors.append(
            Error(
                f"{SETTING_NAME}['PRUNE_STATIC'] must be True or False, not {prune_static!r}.",
                hint="True (the default) leaves the apps' static/ directories out of the "
                "installed requirements when STORAGES['staticfiles'] is StaticStorage, which "
                "has put them on S3; False ships them.",
                id="django_lambda.E110",
            )
        )
    prune_locales = lambda_settings.PRUNE_LOCALES
    if not isinstance(prune_locales, bool):
        errors.append(
            Error(
                f"{SETTING_NAME}['PRUNE_LOCALES'] must be True or False, not {prune_locales!r}.",
                hint="True (the default) leaves out of the installed requirements the "
                "translations into languages not in LANGUAGES (all of them when USE_I18N is "
                "False); False ships every translation.",
                id="django_lambda.E114",
            )
        )
    return errors


def _check_compile() -> list[CheckMessage]:
    compile_ = lambda_settings.COMPILE
    if isinstance(compile_, bool):
        return []
    return [
        Error(
            f"{SETTING_NAME}['COMPILE'] must be True or False, not {compile_!r}.",
            hint="True (the default) ships each module's bytecode, so cold starts do not "
            "compile them, when the deploy runs on the runtime's Python version; False ships "
            "sources only.",
            id="django_lambda.E113",
        )
    ]


# Settings that break, or quietly misbehave, on Lambda: W100-W119. They run
# with ``check --deploy`` and before every deploy. Every Lambda instance is a
# separate process with its own memory and its own /tmp, the package directory
# is read-only, and instances come and go without notice.


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
    warnings: list[CheckMessage] = []
    for alias, config in settings.CACHES.items():
        backend = config.get("BACKEND", "")
        if backend not in _LOCAL_CACHES:
            continue
        number, kind = _LOCAL_CACHES[backend]
        check_id = f"django_lambda.{number}"
        warnings.append(
            CheckWarning(
                f"The cache {alias!r} is {kind} ({backend}): on Lambda every instance has its "
                "own, so a value set by one request is missing or stale in the next."
                + judged_with(),
                hint=_SHARED_CACHE_HINT.format(id=check_id),
                id=check_id,
            )
        )
    return warnings


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
        if max_age is None or max_age > 0:
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


def check_handler_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E010-E019: the settings the Lambda handler reads on every request."""
    if not isinstance(lambda_settings.user_dict, dict):
        return []  # E002 says so already
    errors: list[CheckMessage] = []
    base_path = lambda_settings.BASE_PATH
    if not isinstance(base_path, str):
        errors.append(
            Error(
                f"{SETTING_NAME}['BASE_PATH'] must be a string, not {type(base_path).__name__}.",
                hint="Use the path your custom domain maps to the function, e.g. '/api', "
                "or '' for none.",
                id="django_lambda.E010",
            )
        )
    elif base_path and not base_path.startswith("/"):
        errors.append(
            Error(
                f"{SETTING_NAME}['BASE_PATH'] {base_path!r} does not start with '/'.",
                hint=f"Write it as {'/' + base_path.rstrip('/')!r}.",
                id="django_lambda.E011",
            )
        )
    elif base_path.endswith("/"):
        errors.append(
            Error(
                f"{SETTING_NAME}['BASE_PATH'] {base_path!r} ends with '/'.",
                hint=f"Write it as {base_path.rstrip('/')!r}"
                + (" (the root is '', not '/')." if base_path == "/" else "."),
                id="django_lambda.E012",
            )
        )
    types = lambda_settings.TEXT_CONTENT_TYPES
    if not is_str_list(types):
        errors.append(
            Error(
                f"{SETTING_NAME}['TEXT_CONTENT_TYPES'] must be a list of strings, not {types!r}.",
                hint="List content types sent as text: 'text/*', '+json' or an exact type "
                "such as 'application/json'.",
                id="django_lambda.E013",
            )
        )
    else:
        for pattern in types:
            if not pattern.startswith("+") and pattern.count("/") != 1:
                errors.append(
                    Error(
                        f"{SETTING_NAME}['TEXT_CONTENT_TYPES'] has {pattern!r}, "
                        "which is no content type pattern.",
                        hint="Each entry is 'type/*', '+suffix' or an exact 'type/subtype'.",
                        id="django_lambda.E014",
                    )
                )
    log_requests = lambda_settings.LOG_REQUESTS
    if not isinstance(log_requests, bool):
        errors.append(
            Error(
                f"{SETTING_NAME}['LOG_REQUESTS'] must be True or False, not {log_requests!r}.",
                hint="Set it to True to log one line per request, False for failures only.",
                id="django_lambda.E015",
            )
        )
    manage = lambda_settings.MANAGE
    if not (isinstance(manage, bool) or is_str_list(manage)):
        errors.append(
            Error(
                f"{SETTING_NAME}['MANAGE'] must be True, False or a list of command names, "
                f"not {manage!r}.",
                hint="True (the default) runs any command that carries a proof from "
                "lambda_invoke; a list such as ['migrate', 'clearsessions'] runs only those; "
                "False runs none. Until this is fixed the function refuses every command.",
                id="django_lambda.E016",
            )
        )
    return errors


# -- Deploy settings: E120-E149 / W120-W139 --------------------------------

FUNCTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
LAYER_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d+$"
)
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
HTTP_CHOICES = ("function_url", "http_api", None)
# Lambda sets these itself and refuses them in a function's configuration:
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
RESERVED_ENVIRONMENT = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# An HTTP API gives up on its integration after 30 seconds:
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
HTTP_API_TIMEOUT = 30
# SnapStart for Python: https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html
SNAPSTART_MIN_PYTHON = (3, 12)


def _is_str_dict(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_deploy_values(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Values that are wrong wherever they are read; an unset optional value is fine."""
    if not isinstance(lambda_settings.user_dict, dict):
        return []
    s = lambda_settings
    messages: list[CheckMessage] = []

    def error(number: int, message: str, hint: str) -> None:
        messages.append(Error(message, hint=hint, id=f"django_lambda.E{number:03d}"))

    name = s.FUNCTION_NAME
    if name is not None and not (isinstance(name, str) and FUNCTION_NAME_RE.match(name)):
        error(
            121,
            f"{SETTING_NAME}['FUNCTION_NAME'] is not a valid Lambda function name: {name!r}.",
            "Use 1 to 64 letters, digits, hyphens or underscores, e.g. 'my-site'.",
        )
    region = s.REGION
    if region is not None and not (isinstance(region, str) and REGION_RE.match(region)):
        error(
            122,
            f"{SETTING_NAME}['REGION'] does not look like an AWS region: {region!r}.",
            "Use a region code such as 'eu-west-1', or None for boto3's default region.",
        )
    role = s.ROLE_ARN
    if role is not None and not (isinstance(role, str) and ROLE_ARN_RE.match(role)):
        error(
            123,
            f"{SETTING_NAME}['ROLE_ARN'] is not an IAM role ARN: {role!r}.",
            "Use the role's ARN, 'arn:aws:iam::123456789012:role/my-site-lambda' (IAM "
            "console, Roles, the role, ARN).",
        )
    memory = s.MEMORY_SIZE
    if not (_is_int(memory) and 128 <= memory <= 10240):
        error(
            124,
            f"{SETTING_NAME}['MEMORY_SIZE'] must be an int from 128 to 10240 (MB), not {memory!r}.",
            "512 suits most Django sites; more memory also means more CPU.",
        )
    timeout = s.TIMEOUT
    if not (_is_int(timeout) and 1 <= timeout <= 900):
        error(
            125,
            f"{SETTING_NAME}['TIMEOUT'] must be an int from 1 to 900 (seconds), not {timeout!r}.",
            "30 matches what an HTTP API or a Function URL client will wait for.",
        )
    elif s.HTTP == "http_api" and timeout > HTTP_API_TIMEOUT:
        messages.append(
            CheckWarning(
                f"{SETTING_NAME}['TIMEOUT'] is {timeout}s, but an HTTP API answers 503 "
                f"after {HTTP_API_TIMEOUT}s whatever the function does.",
                hint=f"Lower TIMEOUT to {HTTP_API_TIMEOUT}, or use HTTP='function_url' for "
                "long requests (Function URLs wait up to 15 minutes).",
                id="django_lambda.W120",
            )
        )
    environment = s.ENVIRONMENT
    if not _is_str_dict(environment):
        error(
            126,
            f"{SETTING_NAME}['ENVIRONMENT'] must be a dict of str to str, not {environment!r}.",
            "Quote every value, e.g. {'DEBUG': '0'}; Lambda environment variables are strings.",
        )
    else:
        reserved = sorted(k for k in environment if k in RESERVED_ENVIRONMENT)
        if reserved:
            error(
                127,
                f"{SETTING_NAME}['ENVIRONMENT'] sets variables Lambda reserves: "
                + ", ".join(reserved)
                + ".",
                "Remove them: Lambda sets them itself, and the function's role supplies "
                "the credentials.",
            )
        # Imported here: the function imports this module at start, the gate only if it must.
        from django_lambda.gate import KEY_VARIABLE

        if KEY_VARIABLE in environment:
            error(
                136,
                f"{SETTING_NAME}['ENVIRONMENT'] sets {KEY_VARIABLE}, the function's key for "
                "proving management commands.",
                "Remove it: lambda_deploy makes a random key on the first deploy and keeps it in "
                "the function's configuration; a key in settings would be in your repository.",
            )
    alias = s.ALIAS
    if not (isinstance(alias, str) and ALIAS_RE.match(alias) and not alias.isdigit()):
        error(
            128,
            f"{SETTING_NAME}['ALIAS'] is not a valid alias name: {alias!r}.",
            "Use 1 to 128 letters, digits, hyphens or underscores, not only digits "
            "(those are versions) and not '$LATEST'; the default is 'live'.",
        )
    if s.HTTP not in HTTP_CHOICES:
        error(
            129,
            f"{SETTING_NAME}['HTTP'] must be 'function_url', 'http_api' or None, not {s.HTTP!r}.",
            "'function_url' (the default) is the simplest; None creates no HTTP endpoint.",
        )
    if not isinstance(s.SNAPSTART, bool):
        error(
            130,
            f"{SETTING_NAME}['SNAPSTART'] must be True or False, not {s.SNAPSTART!r}.",
            "Set SNAPSTART = True to snapshot published versions after their init phase.",
        )
    elif s.SNAPSTART:
        runtime = s.runtime
        version = runtime.removeprefix("python").split(".")
        if not (
            len(version) == 2
            and all(part.isdigit() for part in version)
            and tuple(map(int, version)) >= SNAPSTART_MIN_PYTHON
        ):
            error(
                135,
                f"{SETTING_NAME}['SNAPSTART'] needs the python3.12 runtime or newer; the "
                f"runtime is {runtime!r}.",
                "Set RUNTIME to 'python3.12' or newer, or turn SNAPSTART off.",
            )
    vpc = s.VPC
    if vpc is not None and not (
        isinstance(vpc, dict)
        and set(vpc) == {"subnet_ids", "security_group_ids"}
        and is_str_list(vpc["subnet_ids"])
        and is_str_list(vpc["security_group_ids"])
        and vpc["subnet_ids"]
        and vpc["security_group_ids"]
    ):
        error(
            131,
            f"{SETTING_NAME}['VPC'] must be None or a dict with two non-empty lists, "
            f"'subnet_ids' and 'security_group_ids', not {vpc!r}.",
            "E.g. {'subnet_ids': ['subnet-0abc'], 'security_group_ids': ['sg-0abc']}; the "
            "role then needs AWSLambdaVPCAccessExecutionRole.",
        )
    layers = s.LAYERS
    bad_layers = (
        [v for v in layers if not (isinstance(v, str) and LAYER_ARN_RE.match(v))]
        if isinstance(layers, (list, tuple))
        else [layers]
    )
    if bad_layers:
        error(
            132,
            f"{SETTING_NAME}['LAYERS'] must be a list of layer version ARNs; not valid: "
            + ", ".join(map(repr, bad_layers))
            + ".",
            "Use full ARNs with the version, "
            "e.g. 'arn:aws:lambda:eu-west-1:123456789012:layer:my-layer:3'.",
        )
    if not _is_str_dict(s.TAGS):
        error(
            133,
            f"{SETTING_NAME}['TAGS'] must be a dict of str to str, not {s.TAGS!r}.",
            "E.g. {'project': 'my-site'}.",
        )
    paths = s.SMOKE_TEST_PATHS
    if not (
        isinstance(paths, (list, tuple))
        and all(isinstance(path, str) and path.startswith("/") for path in paths)
    ):
        error(
            137,
            f"{SETTING_NAME}['SMOKE_TEST_PATHS'] must be a list of paths starting with '/', "
            f"not {paths!r}.",
            "E.g. ['/', '/health/']: the smoke test requests each before the upload and "
            "stops the deploy on an answer of 500 or more; [] (the default) requests none.",
        )
    endpoint = s.ENDPOINT_URL
    if endpoint is not None and not (
        isinstance(endpoint, str)
        and urlsplit(endpoint).scheme in {"http", "https"}
        and urlsplit(endpoint).netloc
    ):
        error(
            134,
            f"{SETTING_NAME}['ENDPOINT_URL'] must be None or an http(s) URL, not {endpoint!r}.",
            "Leave it None for real AWS; set it (e.g. 'http://127.0.0.1:5000') only for "
            "an AWS emulator.",
        )
    return messages


def check_deploy_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """What only deploying needs; ``lambda_deploy`` runs it, ``manage.py check`` does not.

    Someone who serves the handler through their own tooling (SAM, CDK, ...)
    never sets FUNCTION_NAME, and their checks must stay clean.
    """
    if not isinstance(lambda_settings.user_dict, dict):
        return []
    errors: list[CheckMessage] = []
    if lambda_settings.FUNCTION_NAME is None:
        errors.append(
            Error(
                f"{SETTING_NAME}['FUNCTION_NAME'] is required to deploy.",
                hint=f"Add 'FUNCTION_NAME': 'my-site' to {SETTING_NAME}; the function is "
                "created with that name on the first deploy.",
                id="django_lambda.E120",
            )
        )
    errors.extend(_check_project_dir_exists())
    return errors


def _check_project_dir_exists() -> list[CheckMessage]:
    """E117: the directory the package is built from (on Lambda it is elsewhere: deploy only)."""
    configured = lambda_settings.PROJECT_DIR
    if configured:
        if not isinstance(configured, (str, os.PathLike)):
            return []  # E116
        source = f"{SETTING_NAME}['PROJECT_DIR']"
    elif getattr(settings, "BASE_DIR", None):
        source = "settings.BASE_DIR"
    else:
        return []  # the current directory
    project_dir = lambda_settings.project_dir
    if project_dir.is_dir():
        return []
    what = "is not a directory" if project_dir.exists() else "does not exist"
    return [
        Error(
            f"The project directory {project_dir} ({source}) {what}.",
            hint=f"Set {SETTING_NAME}['PROJECT_DIR'] (or settings.BASE_DIR) to the directory "
            "that holds manage.py: the package is built from it.",
            id="django_lambda.E117",
        )
    ]


# The settings that break, or quietly misbehave, on Lambda (W100-W119): they
# run with ``check --deploy``, and lambda_deploy runs them with the function's
# environment.
DEPLOY_CHECKS = (
    check_caches,
    check_sessions,
    check_databases,
    check_media_storage,
    check_debug,
    check_allowed_hosts,
)


# What lambda_deploy itself reads from DJANGO_LAMBDA to build and deploy: it
# checks these in its own process, where it reads them. The other checks judge
# the settings the function runs with, and lambda_deploy runs them with the
# function's environment (django_lambda.function_env).
DEPLOY_CONFIGURATION_CHECKS = (
    check_setting_shape,
    check_deploy_values,
    check_package_settings,
    check_deploy_settings,
)


def check_deploy_configuration() -> list[CheckMessage]:
    """The messages of ``DEPLOY_CONFIGURATION_CHECKS``, less those SILENCED_SYSTEM_CHECKS names."""
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    return [
        message
        for check in DEPLOY_CONFIGURATION_CHECKS
        for message in check()
        if message.id not in silenced
    ]


def check_static_storage(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E020-E023: the manifest directory and the options of ``StaticStorage``."""
    from django_lambda.package.rules import is_static_storage
    from django_lambda.storage import OWN_OPTIONS

    config = getattr(settings, "STORAGES", {}).get("staticfiles", {})
    try:
        if not is_static_storage(config.get("BACKEND", "")):
            return []
    except ImportError:
        return []  # Django reports an unimportable backend itself.
    options = config.get("OPTIONS", {})
    errors: list[CheckMessage] = []
    manifest_dir = lambda_settings.manifest_dir
    if not manifest_dir.is_dir():
        errors.append(
            Error(
                f"The static files manifest directory {manifest_dir} does not exist.",
                hint="Create it, or point DJANGO_LAMBDA['STATIC_MANIFEST_DIR'] at a "
                "directory inside the project, so the manifest ships in the package.",
                id="django_lambda.E020",
            )
        )
    # Inside Lambda the package is read-only by design; the manifest is only
    # written by collectstatic, before deploying.
    elif not os.access(manifest_dir, os.W_OK) and "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        errors.append(
            Error(
                f"The static files manifest directory {manifest_dir} is not writable, "
                "so collectstatic cannot write staticfiles.json.",
                hint="Make it writable, or point DJANGO_LAMBDA['STATIC_MANIFEST_DIR'] at "
                "a writable directory inside the project.",
                id="django_lambda.E021",
            )
        )
    if not options.get("bucket_name") and not getattr(settings, "AWS_STORAGE_BUCKET_NAME", None):
        errors.append(
            Error(
                "StaticStorage has no bucket.",
                hint="Set STORAGES['staticfiles']['OPTIONS']['bucket_name'] "
                "(or AWS_STORAGE_BUCKET_NAME).",
                id="django_lambda.E022",
            )
        )
    valid = set(OWN_OPTIONS) | _s3_option_names()
    for key in sorted(set(options) - valid):
        close = difflib.get_close_matches(key, valid, n=1)
        errors.append(
            Error(
                f"STORAGES['staticfiles']['OPTIONS'] has an unknown key {key!r}.",
                hint=f"Did you mean {close[0]!r}?"
                if close
                else "See django-storages' S3 options: "
                "https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html",
                id="django_lambda.E023",
            )
        )
    return errors


def _s3_option_names() -> set[str]:
    """The options django-storages' S3 storage accepts (this imports boto3: fine in a check)."""
    from storages.backends.s3 import S3StaticStorage

    # get_default_settings() only reads settings; it needs no configured instance.
    names = set(S3StaticStorage.get_default_settings(S3StaticStorage.__new__(S3StaticStorage)))
    return names | {"cloudfront_signer"}
