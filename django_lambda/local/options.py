"""The bridge from the deploy's configuration to a local run: a ``DeployConfig`` becomes the
options of a :class:`~django_lambda.local.function.LocalFunction`, and a warning when a
package targets another platform than this machine. Building the package a local run
starts is ``django_lambda.deploy.local_run``'s.
"""

from __future__ import annotations

from typing import Any

from django_lambda import aws
from django_lambda.conf import SETTING_NAME, local_runtime
from django_lambda.configuration import DeployConfig
from django_lambda.local.directories import RUNTIME_CLIENT
from django_lambda.local.errors import LocalRunError
from django_lambda.local.function import local_architecture


def function_options(config: DeployConfig) -> dict[str, Any]:
    """:class:`LocalFunction` keyword arguments for ``config``'s function."""
    environment = dict(config.environment)
    if "DJANGO_SETTINGS_MODULE" not in environment:
        # The same module lambda_deploy gives the deployed function.
        try:
            environment["DJANGO_SETTINGS_MODULE"] = aws.settings_module()
        except aws.DeployError as error:
            raise LocalRunError(str(error)) from None
    wrong = sorted(name for name, value in environment.items() if not isinstance(value, str))
    if wrong:
        raise LocalRunError(
            f"{SETTING_NAME}['ENVIRONMENT'] values must be strings, as Lambda's are: fix {wrong}."
        )
    runtime_distributions = [RUNTIME_CLIENT]
    if config.exclude_runtime_packages:
        # Left out of the package because Lambda's runtime provides them:
        # provide them here too, as the runtime's directory does on Lambda.
        runtime_distributions += config.runtime_packages
    return {
        "function_name": config.local_name,
        "environment": environment,
        "region": config.named_region,
        "runtime": config.runtime,
        "architecture": config.architecture,
        "memory_size": config.memory_size,
        "timeout": config.timeout,
        "runtime_distributions": runtime_distributions,
    }


def platform_mismatch(runtime: str, architecture: str) -> str | None:
    """A warning when the package targets another Python or CPU than this machine's."""
    here, machine = local_runtime(), local_architecture()
    differences = []
    if runtime != here:
        differences.append(
            f"Python {runtime.removeprefix('python')} (here: {here.removeprefix('python')})"
        )
    if architecture != machine:
        differences.append(f"{architecture} (here: {machine})")
    if not differences:
        return None
    return (
        f"The package targets {' and '.join(differences)}: native wheels in it "
        "may not load locally, although they will on Lambda. Running it anyway."
    )
