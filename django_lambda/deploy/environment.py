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

The child runs ``child.main`` with one step: ``check``, ``collect`` or ``upload``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_lambda import local
from django_lambda.conf import HANDLER, SETTING_NAME
from django_lambda.configuration import DeployConfig

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
    "from django_lambda.deploy.child import main; "
    "main(sys.argv[2:])"
)


class FunctionEnvironmentError(Exception):
    """A step failed in the function's environment; the message says what and how to fix it."""


def lambda_environment(
    options: Mapping[str, Any],
    *,
    task_root: Path,
    runtime_dir: Path | str,
    defaults: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of the function that ``options`` (``local.function_options``)
    describe, its code in ``task_root``: PATH, the variables Lambda sets, ``defaults``,
    and the function's own variables, which win."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        **local.lambda_variables(
            task_root=task_root,
            runtime_dir=runtime_dir,
            handler=HANDLER,
            runtime=options["runtime"],
            function_name=options["function_name"],
            memory_size=options["memory_size"],
            region=options["region"],
        ),
        **(defaults or {}),
        **options["environment"],
    }


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
        options = local.function_options(config)
        project_dir = config.project_dir.resolve()
        variables = lambda_environment(
            options,
            task_root=project_dir,
            runtime_dir=LAMBDA_RUNTIME_DIR,
            defaults=NO_AWS_CONFIGURATION,
        )
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


def run_checks(environment: FunctionEnvironment, *, verbosity: int) -> tuple[bool, str]:
    """The system checks, ``--deploy`` ones included, with the function's environment:
    (whether they passed, what they printed)."""
    result = environment.run("check", {"verbosity": verbosity})
    return bool(result["passed"]), str(result["output"])
