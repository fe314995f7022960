"""The project's settings as the function will see them, for the deploy steps that depend on them.

A settings module is code, and it reads the environment: ``DEBUG`` from a
variable, ``AWS_LOCATION`` under ``if not DEBUG:``, ``AWS_LAMBDA_FUNCTION_NAME``
to know it runs on Lambda. The function evaluates it with its own
environment, so the steps whose outcome depends on the settings (the system
checks, ``collectstatic`` and its manifest, the upload of the static files)
run in a child process with that environment: the ``ENVIRONMENT`` setting,
``DJANGO_SETTINGS_MODULE``, and the variables Lambda sets
(``AWS_LAMBDA_FUNCTION_NAME``, ``AWS_REGION``, ``LAMBDA_TASK_ROOT``, ...), with
the project directory, which becomes the task root, as ``LAMBDA_TASK_ROOT``.

Nothing else of the deploying shell's environment reaches the child: not its
AWS profile, not its credentials, except for the upload, which gets the
deploying user's credentials and nothing more. The deploy itself (the
function's name, region, role, the AWS calls) keeps to the deploying
process's configuration (a ``DeployConfig``).

The child runs :func:`main` with one step: ``check``, ``collect`` or ``upload``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_lambda.conf import HANDLER, SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.progress import Say

# Lambda's runtime directory, where its runtime client lives; the child has none.
LAMBDA_RUNTIME_DIR = "/var/runtime"

# The child reads no AWS configuration file and asks no instance metadata
# service for credentials, so nothing of the deploying machine's AWS setup
# reaches it but what it is given.
NO_AWS_CONFIGURATION = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}

# The variables Lambda sets that settings modules commonly read, for the output.
_SHOWN = ("AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "LAMBDA_TASK_ROOT")

# Runs in the child: the same import path as the deploying process, then main().
_BOOTSTRAP = (
    "import json, sys; "
    "sys.path[:] = json.loads(sys.argv[1]); "
    "from django_lambda.function_env import main; "
    "main(sys.argv[2:])"
)

# What collect_static() did with the static files.
STAGED = "staged"  # StaticStorage: collected here, uploaded at deploy time
LOCAL = "local"  # a file-system storage: collected into the project
REMOTE = "remote"  # another storage, which uploads as it collects
NOT_COLLECTED = "not collected"  # and why, in Collected.reason


class FunctionEnvironmentError(Exception):
    """A step failed in the function's environment; the message says what and how to fix it."""


@dataclass(frozen=True)
class FunctionEnvironment:
    """The environment the function's settings are evaluated with."""

    variables: dict[str, str]
    # The names that come from the ENVIRONMENT setting.
    configured: tuple[str, ...]
    project_dir: Path
    # Where the deploy's AWS calls go (ENDPOINT_URL): the uploads' too.
    endpoint_url: str | None = None

    @classmethod
    def from_config(cls, config: DeployConfig) -> FunctionEnvironment:
        """``config``'s function's environment, as ``lambda_invoke --local`` gives it,
        with the project directory as its task root.

        Raises ``local.LocalRunError`` when the settings module cannot be told.
        """
        from django_lambda import local

        options = local.function_options(config)
        project_dir = config.project_dir.resolve()
        variables = {
            "PATH": os.environ.get("PATH", os.defpath),
            **local.lambda_variables(
                task_root=project_dir,
                runtime_dir=LAMBDA_RUNTIME_DIR,
                handler=HANDLER,
                runtime=options["runtime"],
                function_name=options["function_name"],
                memory_size=options["memory_size"],
                region=options["region"],
            ),
            **NO_AWS_CONFIGURATION,
            **options["environment"],
        }
        return cls(variables, tuple(sorted(config.environment)), project_dir, config.endpoint_url)

    def describe(self) -> str:
        """Which environment this is, for the output: names, and no value that may be secret."""
        parts = [f"DJANGO_SETTINGS_MODULE={self.variables['DJANGO_SETTINGS_MODULE']}"]
        others = [name for name in self.configured if name != "DJANGO_SETTINGS_MODULE"]
        if others:
            parts.append(
                ", ".join(others) + f" from {SETTING_NAME}['ENVIRONMENT'] (values not shown)"
            )
        shown = ", ".join(f"{name}={self.variables[name]}" for name in _SHOWN)
        parts.append(f"what Lambda sets ({shown}, ...)")
        return "the function's environment: " + "; ".join(parts)

    def run(
        self, step: str, arguments: Mapping[str, Any], *, extra: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """Run ``step`` in a child process with this environment (plus ``extra``); its result.

        Raises FunctionEnvironmentError when the child fails without a result,
        with what it printed: a settings module (or any module the checks
        import) that fails with the function's environment fails here.
        """
        paths = [os.path.abspath(path) for path in sys.path]
        with tempfile.TemporaryDirectory(prefix="django-lambda-") as scratch:
            result_path = Path(scratch) / "result.json"
            process = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _BOOTSTRAP,
                    json.dumps(paths),
                    step,
                    json.dumps(dict(arguments)),
                    str(result_path),
                ],
                # The function runs in its task root.
                cwd=self.project_dir,
                env={**self.variables, **(extra or {})},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
            if result_path.is_file():
                result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
                return result
        tail = "\n".join((process.stdout + process.stderr).strip().splitlines()[-25:])
        raise FunctionEnvironmentError(
            f"The project's code failed with {self.describe()} "
            f"(exit status {process.returncode}):\n{tail}\n"
            "The function would fail the same way. Hint: a setting that reads a variable the "
            f"function does not have needs it in {SETTING_NAME}['ENVIRONMENT'], or a default."
        )


# -- The deploying process's side -------------------------------------------


def run_checks(environment: FunctionEnvironment, *, verbosity: int) -> tuple[bool, str]:
    """The system checks, ``--deploy`` ones included, with the function's environment:
    (whether they passed, what they printed)."""
    result = environment.run("check", {"verbosity": verbosity})
    return bool(result["passed"]), str(result["output"])


@dataclass(frozen=True)
class Collected:
    """What collect_static() did."""

    how: str  # STAGED, LOCAL, REMOTE or NOT_COLLECTED
    backend: str
    # Why not, for NOT_COLLECTED ("" when there is nothing to say).
    reason: str = ""
    output: str = ""
    # The storage's effective configuration (static_configuration()), once collected.
    configuration: dict[str, Any] | None = None
    staging: Path | None = None


def collect_static(
    environment: FunctionEnvironment,
    *,
    staging: Path,
    uploads: bool,
    verbosity: int,
    local_storages: bool = True,
) -> Collected:
    """collectstatic with the function's environment.

    ``StaticStorage`` collects into ``staging`` without AWS (``upload_static``
    sends the files up later); a file-system storage collects as usual (unless
    not ``local_storages``). Any other storage uploads while it collects: it
    gets the deploying user's credentials when ``uploads`` (a deploy), and is
    left alone otherwise (a build, which needs no AWS).
    """
    arguments = {
        "staging": str(staging),
        "verbosity": verbosity,
        "credentials": False,
        "local_storages": local_storages,
    }
    result = environment.run("collect", arguments)
    if result.get("needs_credentials") and uploads:
        result = environment.run(
            "collect", {**arguments, "credentials": True}, extra=upload_variables(environment)
        )
    if "error" in result:
        raise FunctionEnvironmentError(str(result["error"]))
    if result.get("needs_credentials"):
        return Collected(
            NOT_COLLECTED,
            result["backend"],
            reason=f"STORAGES['staticfiles'] is {result['backend']}, which uploads as it "
            "collects, and a build needs no AWS; lambda_deploy collects them when it deploys "
            "(django_lambda.storage.StaticStorage collects without AWS)",
        )
    return Collected(
        result["how"],
        result["backend"],
        result.get("reason", ""),
        result.get("output", ""),
        result.get("configuration"),
        staging if result["how"] == STAGED else None,
    )


def upload_static(environment: FunctionEnvironment, collected: Collected) -> dict[str, Any]:
    """Upload what collect_static() staged, with the function's settings (the bucket and
    location the function reads) and the deploying user's credentials."""
    assert collected.staging is not None, "only staged files are uploaded"
    result = environment.run(
        "upload", {"staging": str(collected.staging)}, extra=upload_variables(environment)
    )
    if "error" in result:
        raise FunctionEnvironmentError(str(result["error"]))
    return result


def upload_variables(environment: FunctionEnvironment) -> dict[str, str]:
    """What a child that uploads needs beyond the function's environment: the deploying
    user's credentials, resolved here (a profile, SSO, ...), and the deploy's endpoint."""
    from django_lambda import aws

    variables = aws.credential_variables()
    if environment.endpoint_url:
        variables["AWS_ENDPOINT_URL"] = environment.endpoint_url
    return variables


def static_staging(config: DeployConfig) -> Path:
    """Where collectstatic stages the files ``StaticStorage`` uploads at deploy time."""
    return config.build_dir.resolve() / "static"


def build_with_static(config: DeployConfig, *, say: Say) -> Path:
    """Collect the static files (without AWS) and build the package, as ``lambda_deploy
    --build-only`` does, for the local runs' automatic build: the package gets its manifest."""
    from django_lambda import local, package
    from django_lambda.package import versions

    try:
        environment = FunctionEnvironment.from_config(config)
    except local.LocalRunError as error:
        raise package.BuildError(str(error)) from None
    staging = static_staging(config)
    try:
        collected = collect_static(
            environment, staging=staging, uploads=False, verbosity=0, local_storages=False
        )
    except FunctionEnvironmentError as error:
        raise package.BuildError(f"collectstatic failed: {error}") from None
    if collected.reason:
        say(f"Static files not collected: {collected.reason}.")
    result = package.build_package(config, say=say)
    versions.check_build(result, project_dir=config.project_dir, say=say)
    return result.zip_path


# -- The child's side -------------------------------------------------------


def main(argv: list[str]) -> None:
    """The child: set Django up with this environment, run one step, write its result."""
    import django

    step, arguments, result_path = argv[0], json.loads(argv[1]), Path(argv[2])
    django.setup()
    steps: dict[str, Callable[..., dict[str, Any]]] = {
        "check": _check,
        "collect": _collect,
        "upload": _upload,
    }
    result = steps[step](**arguments)
    result_path.write_text(json.dumps(result), encoding="utf-8")


def _check(*, verbosity: int) -> dict[str, Any]:
    from django.core.checks.registry import registry
    from django.core.management.base import BaseCommand, SystemCheckError

    from django_lambda import checks

    # The deploy's own settings were checked where the deploy reads them.
    for check in checks.DEPLOY_CONFIGURATION_CHECKS:
        registry.registered_checks.discard(check)
    out, err = io.StringIO(), io.StringIO()
    command = BaseCommand(stdout=out, stderr=err, no_color=True)
    try:
        command.check(display_num_errors=verbosity >= 2, include_deployment_checks=True)
    except SystemCheckError as error:
        return {"passed": False, "output": str(error)}
    return {"passed": True, "output": err.getvalue() + out.getvalue()}


def _collect(
    *, staging: str, verbosity: int, credentials: bool, local_storages: bool
) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError
    from django.apps import apps
    from django.conf import STATICFILES_STORAGE_ALIAS
    from django.core.exceptions import ImproperlyConfigured
    from django.core.files.storage import FileSystemStorage, storages
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from django_lambda import aws
    from django_lambda.storage import StaticStorage

    if not apps.is_installed("django.contrib.staticfiles"):
        return {"how": NOT_COLLECTED, "backend": "", "reason": ""}
    storage = storages[STATICFILES_STORAGE_ALIAS]
    backend = _dotted(storage)
    if isinstance(storage, StaticStorage):
        # Collected afresh: the directory holds exactly what this build uses.
        shutil.rmtree(staging, ignore_errors=True)
        storage.collect_into(Path(staging))
        how = STAGED
    elif isinstance(storage, FileSystemStorage):
        if not local_storages:
            # Collected when the user runs collectstatic, or lambda_deploy.
            return {"how": NOT_COLLECTED, "backend": backend, "reason": ""}
        how = LOCAL
    elif not credentials:
        return {"needs_credentials": True, "backend": backend}
    else:
        how = REMOTE
    out = io.StringIO()
    try:
        call_command(
            "collectstatic", interactive=False, verbosity=verbosity, stdout=out, stderr=out
        )
    except (CommandError, ImproperlyConfigured) as error:
        return {
            "error": f"{error}\nHint: configure STATIC_ROOT or STORAGES['staticfiles'] "
            "(django_lambda.storage.StaticStorage), or pass --skip-static."
        }
    except (BotoCoreError, ClientError) as error:
        bucket = getattr(storage, "bucket_name", None)
        resource = f"bucket {bucket!r}" if bucket else "the static files storage"
        explained = aws.explain(error, operation="uploading static files", resource=resource)
        return {"error": str(explained)}
    return {
        "how": how,
        "backend": backend,
        "output": out.getvalue(),
        "configuration": static_configuration(_sample(storage)),
    }


def _upload(*, staging: str) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError
    from django.conf import STATICFILES_STORAGE_ALIAS
    from django.core.files.storage import storages

    from django_lambda import aws
    from django_lambda.storage import StaticStorage

    storage = storages[STATICFILES_STORAGE_ALIAS]
    if not isinstance(storage, StaticStorage):
        return {
            "error": f"STORAGES['staticfiles'] is {_dotted(storage)} with the function's "
            "environment, but the files were collected for StaticStorage: deploy again."
        }
    try:
        uploaded, present = storage.upload_collected(Path(staging))
    except (BotoCoreError, ClientError) as error:
        explained = aws.explain(
            error, operation="uploading static files", resource=f"bucket {storage.bucket_name!r}"
        )
        return {"error": str(explained)}
    return {
        "uploaded": uploaded,
        "present": present,
        "destination": f"s3://{storage.bucket_name}/{storage.key('')}",
    }


def _dotted(storage: Any) -> str:
    return f"{type(storage).__module__}.{type(storage).__qualname__}"


def _sample(storage: Any) -> str | None:
    """One collected file's name, whose URL the smoke test compares."""
    hashed = getattr(storage, "hashed_files", None)
    if hashed:
        return str(sorted(hashed)[0])
    from django.contrib.staticfiles.finders import get_finders

    for finder in get_finders():
        for path, _storage in finder.list(["CVS", ".*", "*~"]):
            return str(path).replace(os.sep, "/")
    return None


def static_configuration(sample: str | None) -> dict[str, Any]:
    """The static files storage's effective configuration in this process: backend,
    bucket, location, custom domain, and the URL of the collected file ``sample``.

    Self-contained (its imports inside), as the smoke test runs its source in
    the built package, where django_lambda may be another version. A location
    inside ``LAMBDA_TASK_ROOT`` is given relative to it, so the project
    directory and the unpacked package compare equal.
    """
    import os

    from django.core.files.storage import storages

    # A fresh instance, as the function's first request makes: it reads the
    # manifest collectstatic wrote, whatever the instance that collected did.
    # django-stubs types backends as storages; it holds their settings.
    storage = storages.create_storage(storages.backends["staticfiles"])  # type: ignore[arg-type]
    location = getattr(storage, "location", None)
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if location is not None and task_root and os.path.isabs(str(location)):
        relative = os.path.relpath(str(location), task_root)
        if not relative.startswith(os.pardir):
            location = f"$LAMBDA_TASK_ROOT/{relative}"
    try:
        url = storage.url(sample) if sample else None
    except Exception as error:  # what the function would get rendering {% static %}
        url = f"{type(error).__name__}: {error}"
    return {
        "backend": f"{type(storage).__module__}.{type(storage).__qualname__}",
        "bucket_name": getattr(storage, "bucket_name", None),
        "location": None if location is None else str(location),
        "custom_domain": getattr(storage, "custom_domain", None),
        "sample": sample,
        "url": url,
    }
