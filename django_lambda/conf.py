"""The one place that reads ``settings.DJANGO_LAMBDA``: defaults merged over the user's dict,
and the typed values the rest of the app is given.

- ``lambda_settings.NAME``: a key of the merged dict, typed as documented, read
  live (cached until a ``setting_changed`` signal, so ``override_settings``
  works in tests). Only the system checks and the management commands read
  these, the checks because they judge whatever the user wrote.
- ``deploy_config()``: a :class:`~django_lambda.configuration.DeployConfig`,
  the function, package and routing settings as one frozen value. A command
  makes it once and passes it to the builder, the deployer and the local
  runs; the sandbox derives its own from it with ``dataclasses.replace``.
- ``handler_settings()``: the request path's :class:`HandlerSettings`, read
  once per settings change.
- ``static_manifest_dir()``: where ``StaticStorage`` keeps its manifest.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from django.conf import settings
from django.core.signals import setting_changed

SETTING_NAME = "DJANGO_LAMBDA"

# Content types that travel as text; anything else (or anything with a
# Content-Encoding) goes base64-encoded. "type/*" matches the major type,
# "+suffix" a structured-syntax suffix, anything else the exact type.
DEFAULT_TEXT_CONTENT_TYPES = [
    "text/*",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/ecmascript",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "image/svg+xml",
    "+json",
    "+xml",
]

# Packages the Lambda Python runtime already provides.
DEFAULT_RUNTIME_PACKAGES = [
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "urllib3",
    "six",
]

# Left out of the installed requirements because a function never reads them
# at run time. Patterns follow EXCLUDE's rules, from the install directory.
DEFAULT_PRUNE = [
    # gettext sources: Django reads only the compiled .mo files.
    "*.po",
    "*.pot",
    # type information, for type checkers only
    "*.pyi",
    "py.typed",
    # sources of compiled extensions: Lambda has no compiler to use them
    "*.c",
    "*.cpp",
    "*.pyx",
    "*.pxd",
    "*.pxi",
    # console scripts, whose #! line names this machine's Python
    "/bin",
]

DEFAULTS: dict[str, Any] = {
    # Handler
    "BASE_PATH": "",
    "TEXT_CONTENT_TYPES": DEFAULT_TEXT_CONTENT_TYPES,
    "LOG_REQUESTS": False,
    "MANAGE": True,  # True (behind the gate), False, or a list of command names
    # Static files
    "STATIC_MANIFEST_DIR": None,  # None: settings.BASE_DIR
    # Function
    "FUNCTION_NAME": None,
    "REGION": None,  # None: boto3's default region
    "ROLE_ARN": None,
    "RUNTIME": None,  # None: the running interpreter's pythonX.Y
    "ARCHITECTURE": "x86_64",
    "MEMORY_SIZE": 512,
    "TIMEOUT": 30,
    "ENVIRONMENT": {},
    "SNAPSTART": False,
    "VPC": None,  # {"subnet_ids": [...], "security_group_ids": [...]}
    "LAYERS": [],
    "TAGS": {},
    "ALIAS": "live",
    "HTTP": "function_url",  # "function_url", "http_api" or None
    "ENDPOINT_URL": None,
    # Package
    "PROJECT_DIR": None,  # None: settings.BASE_DIR
    "BUILD_DIR": ".lambda",
    "REQUIREMENTS": "requirements.txt",
    "INCLUDE": [],
    "EXCLUDE": [],
    "EXCLUDE_RUNTIME_PACKAGES": True,
    "RUNTIME_PACKAGES": DEFAULT_RUNTIME_PACKAGES,
    "PRUNE": DEFAULT_PRUNE,
    "PRUNE_STATIC": True,  # apps' static/ in the requirements, only with StaticStorage
    "PRUNE_LOCALES": True,  # translations outside LANGUAGES (all of them without USE_I18N)
    "COMPILE": True,  # ship bytecode, when the build runs on the runtime's Python
    "S3_BUCKET": None,
    # Deploy
    "SMOKE_TEST_PATHS": [],  # paths the smoke test requests; each must answer below 500
    # Schedules and tasks
    "SCHEDULE": {},  # name -> {"command": ..., "schedule": "rate(...)" or "cron(...)", "timezone"}
    "KEEP_WARM": None,  # a schedule expression for the warm-up event, or None
    "SCHEDULER_ROLE_ARN": None,  # None: lambda_deploy makes one
    "TASK_RETRIES": None,  # 0 to 2: Lambda's retries of a failed asynchronous invocation
    "TASK_FAILURE_DESTINATION": None,  # an SQS queue or SNS topic ARN
}


# The function's handler, as Lambda's Handler setting names it.
HANDLER = "django_lambda.handler.lambda_handler"


def local_runtime() -> str:
    """This interpreter as a Lambda runtime name (``python3.12``)."""
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def function_region(configured: str | None) -> str | None:
    """The function's region: the one rule for every place that needs it.

    ``DJANGO_LAMBDA["REGION"]`` (``configured``), else boto3's default
    region: ``AWS_DEFAULT_REGION``, else the ``region`` of the AWS profile.
    ``AWS_REGION`` does not count: boto3 does not read it (Lambda sets both),
    and the deploy goes where boto3 sends it. None when there is no region at
    all; what needs a name anyway (see ``DeployConfig.named_region``) takes
    ``configuration.DEFAULT_REGION``.
    """
    if configured:
        return configured
    # botocore is imported here, not at module level: the request path never
    # resolves a region.
    import botocore.session

    region = botocore.session.get_session().get_config_variable("region")
    return str(region) if region else None


def is_str_list(value: object) -> TypeGuard[list[str] | tuple[str, ...]]:
    """Whether ``value`` is a list (or tuple) of strings, as list settings must be."""
    return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)


@cache
def _merged() -> dict[str, Any]:
    user = getattr(settings, SETTING_NAME, None) or {}
    if not isinstance(user, dict):
        # The checks report this (django_lambda.E002); fall back to defaults.
        user = {}
    return {**DEFAULTS, **user}


def _checked(key: str, *types: type) -> Any:
    """The setting ``key`` if it is of one of ``types``, else its default.

    For the values that are converted (to a ``Path``, a tuple, a dict): one the
    user got wrong is the system checks' to report, and every command runs
    them before it uses what is built here, so building it must not fail.
    """
    value = _merged()[key]
    return value if isinstance(value, types) else DEFAULTS[key]


def _clear_cache(*, setting: str, **kwargs: Any) -> None:
    if setting in (SETTING_NAME, "BASE_DIR"):
        _merged.cache_clear()
        handler_settings.cache_clear()


setting_changed.connect(_clear_cache)


if TYPE_CHECKING:
    from django_lambda.configuration import DeployConfig, PathSetting


class LambdaSettings:
    """Typed access to the merged ``DJANGO_LAMBDA`` dict, plus derived values.

    Each key is annotated with its type, which the settings reference prints: what the
    value should be. The system checks verify that it is, and report what the
    user wrote when it is not. The annotations cost nothing at run time, where
    ``__getattr__`` reads the merged dict; mypy does not see ``__getattr__``,
    so a name that is no setting is a type error.
    """

    # Handler
    BASE_PATH: str
    TEXT_CONTENT_TYPES: Sequence[str]
    LOG_REQUESTS: bool
    MANAGE: bool | Sequence[str]
    # Static files
    STATIC_MANIFEST_DIR: PathSetting | None
    # Function
    FUNCTION_NAME: str | None
    REGION: str | None
    ROLE_ARN: str | None
    RUNTIME: str | None
    ARCHITECTURE: str
    MEMORY_SIZE: int
    TIMEOUT: int
    ENVIRONMENT: Mapping[str, str]
    SNAPSTART: bool
    VPC: Mapping[str, Sequence[str]] | None
    LAYERS: Sequence[str]
    TAGS: Mapping[str, str]
    ALIAS: str
    HTTP: str | None
    ENDPOINT_URL: str | None
    # Package
    PROJECT_DIR: PathSetting | None
    BUILD_DIR: PathSetting
    REQUIREMENTS: PathSetting | None
    INCLUDE: Sequence[str]
    EXCLUDE: Sequence[str]
    EXCLUDE_RUNTIME_PACKAGES: bool
    RUNTIME_PACKAGES: Sequence[str]
    PRUNE: Sequence[str]
    PRUNE_STATIC: bool
    PRUNE_LOCALES: bool
    COMPILE: bool
    S3_BUCKET: str | None
    # Deploy
    SMOKE_TEST_PATHS: Sequence[str]
    # Schedules and tasks
    SCHEDULE: Mapping[str, Mapping[str, str]]
    KEEP_WARM: str | None
    SCHEDULER_ROLE_ARN: str | None
    TASK_RETRIES: int | None
    TASK_FAILURE_DESTINATION: str | None

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            try:
                return _merged()[name]
            except KeyError:
                raise AttributeError(f"{SETTING_NAME} has no setting {name!r}") from None

    @property
    def user_dict(self) -> object:
        """The raw setting as the user wrote it (for checks)."""
        return getattr(settings, SETTING_NAME, None)

    @property
    def runtime(self) -> str:
        return self.RUNTIME or local_runtime()

    @property
    def project_dir(self) -> Path:
        """PROJECT_DIR, else settings.BASE_DIR, else the current directory."""
        configured = _checked("PROJECT_DIR", str, os.PathLike) or getattr(
            settings, "BASE_DIR", None
        )
        return Path(configured) if configured else Path.cwd()

    @property
    def manifest_dir(self) -> Path:
        """STATIC_MANIFEST_DIR, else the project directory."""
        configured = _checked("STATIC_MANIFEST_DIR", str, os.PathLike)
        return Path(configured) if configured else self.project_dir

    @property
    def build_dir(self) -> Path:
        """BUILD_DIR, from the project directory."""
        configured: PathSetting = _checked("BUILD_DIR", str, os.PathLike)
        return self.project_dir / configured


lambda_settings = LambdaSettings()


def static_manifest_dir() -> Path:
    """Where ``StaticStorage`` reads and writes ``staticfiles.json``."""
    return lambda_settings.manifest_dir


# -- The deploy's configuration ---------------------------------------------


# The DeployConfig fields that are their setting as it is, under the same name in
# lower case (tests/test_conf.py holds each field's type to its setting's) ...
AS_SET = (
    "FUNCTION_NAME",
    "ROLE_ARN",
    "ARCHITECTURE",
    "MEMORY_SIZE",
    "TIMEOUT",
    "SNAPSTART",
    "ALIAS",
    "HTTP",
    "ENDPOINT_URL",
    "REQUIREMENTS",
    "EXCLUDE_RUNTIME_PACKAGES",
    "PRUNE_STATIC",
    "PRUNE_LOCALES",
    "COMPILE",
    "S3_BUCKET",
    "KEEP_WARM",
    "SCHEDULER_ROLE_ARN",
    "TASK_RETRIES",
    "TASK_FAILURE_DESTINATION",
)
# ... and those that are their list of strings as a tuple.
STRING_LISTS = ("LAYERS", "INCLUDE", "EXCLUDE", "RUNTIME_PACKAGES", "PRUNE", "SMOKE_TEST_PATHS")


def deploy_config() -> DeployConfig:
    """The :class:`~django_lambda.configuration.DeployConfig` of the current settings.

    The system checks judge the settings; a value of the wrong type that
    would have to be converted is taken as its default here (see ``_checked``).
    """
    # Imported here: the request path, which imports this module, never pays
    # for making the class.
    from django_lambda.configuration import DeployConfig, ScheduledCommand, Vpc

    s = lambda_settings
    vpc = _checked("VPC", dict)
    user = s.user_dict

    def strings(key: str) -> tuple[str, ...]:
        return tuple(_checked(key, list, tuple))

    def vpc_ids(key: str) -> tuple[str, ...]:
        ids = vpc.get(key)
        return tuple(ids) if is_str_list(ids) else ()

    # Typed by the test that holds these fields to their settings' types.
    plain: dict[str, Any] = {name.lower(): getattr(s, name) for name in AS_SET}
    plain.update((name.lower(), strings(name)) for name in STRING_LISTS)
    return DeployConfig(
        **plain,
        region=function_region(_checked("REGION", str)),
        runtime=s.runtime,
        environment=dict(_checked("ENVIRONMENT", dict)),
        vpc=Vpc(vpc_ids("subnet_ids"), vpc_ids("security_group_ids")) if vpc else None,
        tags=dict(_checked("TAGS", dict)),
        project_dir=s.project_dir,
        build_dir=s.build_dir,
        build_dir_setting=_checked("BUILD_DIR", str, os.PathLike),
        manifest_dir=s.manifest_dir,
        requirements_explicit=isinstance(user, dict) and "REQUIREMENTS" in user,
        schedule=tuple(
            ScheduledCommand(name, entry["command"], entry["schedule"], entry.get("timezone"))
            for name, entry in scheduled_entries().items()
        ),
        invokes_itself=uses_lambda_backend(),
    )


# The Tasks backend that runs tasks in the function (TASKS' "BACKEND").
TASKS_BACKEND = "django_lambda.tasks.LambdaBackend"


def uses_lambda_backend() -> bool:
    """Whether Django's TASKS setting uses the Lambda backend for any of its aliases."""
    tasks = getattr(settings, "TASKS", None)
    return isinstance(tasks, dict) and any(
        isinstance(alias, dict) and alias.get("BACKEND") == TASKS_BACKEND
        for alias in tasks.values()
    )


def scheduled_entries() -> dict[str, Mapping[str, Any]]:
    """The entries of SCHEDULE whose name, command and schedule are strings; the checks
    (E150-E169) report the others, which no schedule is made for and no event runs."""
    schedule = _checked("SCHEDULE", dict)
    return {
        name: entry
        for name, entry in schedule.items()
        if isinstance(name, str)
        and isinstance(entry, dict)
        and isinstance(entry.get("command"), str)
        and isinstance(entry.get("schedule"), str)
    }


# -- The handler's settings -------------------------------------------------


class HandlerSettings:
    """The settings the handler reads, pre-digested so a request does no parsing."""

    __slots__ = (
        "base_path",
        "log_requests",
        "manage",
        "schedule",
        "text_cache",
        "text_exact",
        "text_major",
        "text_suffix",
    )

    def __init__(self) -> None:
        s = lambda_settings
        # BASE_PATH is compared with PATH_INFO, which carries latin-1 of UTF-8 (PEP 3333).
        self.base_path: str = (s.BASE_PATH or "").encode("utf-8").decode("latin-1")
        self.log_requests: bool = bool(s.LOG_REQUESTS)
        manage = s.MANAGE
        # True, False, the names of the commands allowed, or None for a value
        # that is none of these (django_lambda.E016): then no command runs.
        self.manage: bool | tuple[str, ...] | None = (
            manage if isinstance(manage, bool) else tuple(manage) if is_str_list(manage) else None
        )
        # Each scheduled command by the name of its entry: a scheduled event runs only
        # the command its entry names.
        self.schedule: dict[str, str] = {
            name: entry["command"] for name, entry in scheduled_entries().items()
        }
        exact, major, suffix = set(), set(), set()
        for pattern in s.TEXT_CONTENT_TYPES:
            pattern = pattern.strip().lower()
            if pattern.startswith("+"):
                suffix.add(pattern)
            elif pattern.endswith("/*"):
                major.add(pattern[:-2])
            else:
                exact.add(pattern)
        self.text_exact = frozenset(exact)
        self.text_major = frozenset(major)
        self.text_suffix = frozenset(suffix)
        # An application answers with a handful of content types: remember them.
        self.text_cache: dict[str, bool] = {}

    def is_text(self, content_type: str) -> bool:
        """Whether a Content-Type travels as text: "type/*", "+suffix" or exact match."""
        known = self.text_cache.get(content_type)
        if known is None:
            known = self._match(content_type)
            if len(self.text_cache) < 100:
                self.text_cache[content_type] = known
        return known

    def _match(self, content_type: str) -> bool:
        mime = content_type.partition(";")[0].strip().lower()
        if mime in self.text_exact:
            return True
        major, _, subtype = mime.partition("/")
        if major in self.text_major:
            return True
        plus = subtype.rfind("+")
        return plus != -1 and subtype[plus:] in self.text_suffix


@cache
def handler_settings() -> HandlerSettings:
    return HandlerSettings()
