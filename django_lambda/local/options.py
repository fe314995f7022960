"""The bridge from the deploy's configuration to a local run: a ``DeployConfig`` becomes the
options of a :class:`~django_lambda.local.function.LocalFunction` and the package it runs.

:func:`local_run` is the setup that ``lambda_invoke --local`` and
``lambda_serve`` share: the package (built if missing or stale), the options
(the configuration's, or those of the function deployed to the sandbox), and
a warning when the package was built for another platform than this one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_lambda import aws, build, function_env
from django_lambda.conf import SETTING_NAME, local_runtime
from django_lambda.configuration import DeployConfig
from django_lambda.local.directories import RUNTIME_CLIENT
from django_lambda.local.errors import LocalRunError
from django_lambda.local.function import local_architecture
from django_lambda.progress import Say, quiet

PACKAGE_NAME = "package.zip"


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


def _newest_input(config: DeployConfig) -> float:
    """The newest modification time among the files a build would put in the package,
    and the project directories that hold them."""
    project_dir = config.project_dir.resolve()
    # The build's own selection, so that what is checked is exactly what ships.
    files = build.project_files(config, skip=(config.build_dir.resolve(),), say=quiet)
    paths = {*files.values(), *build.own_source().values()}
    # A deleted file leaves no mtime behind, but its directory's changes.
    paths |= {
        parent
        for path in files.values()
        for parent in path.parents
        if parent.is_relative_to(project_dir)
    }
    newest = 0.0
    for path in paths:
        with contextlib.suppress(OSError):
            newest = max(newest, path.stat().st_mtime)
    return newest


def local_package(config: DeployConfig, *, say: Say = quiet) -> Path:
    """``config``'s package zip: the built one if it is newer than every project file,
    else a fresh build, static manifest included (collected without AWS)."""
    zip_path = config.build_dir / PACKAGE_NAME
    if zip_path.is_file():
        if zip_path.stat().st_mtime >= _newest_input(config):
            return zip_path
        say(f"{zip_path} is older than the project's files: building it again.")
    else:
        say(f"No package at {zip_path}: building it.")
    return function_env.build_with_static(config, say=say)


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


@dataclass(frozen=True)
class LocalRun:
    """A package to run here, and the :class:`LocalFunction` keyword arguments to run it with."""

    package: Path
    options: dict[str, Any]


def local_run(
    config: DeployConfig,
    *,
    package: Path | None = None,
    deployed: dict[str, Any] | None = None,
    environment: Mapping[str, str] | None = None,
    say: Say = quiet,
    warn: Say = quiet,
) -> LocalRun:
    """What to run for ``config``'s function: ``package``, else the project's (built first if
    missing or stale, said with ``say``); with the options of the function ``deployed`` to the
    sandbox, else ``config``'s with ``environment`` added. ``warn`` says when the package
    targets another platform. Raises :class:`LocalRunError`, also when the build fails."""
    try:
        zip_path = package.absolute() if package else local_package(config, say=say)
    except build.BuildError as error:
        raise LocalRunError(f"Building the package failed: {error}") from None
    if deployed is None:
        options = function_options(config)
        options["environment"].update(environment or {})
    else:
        options = deployed
    mismatch = platform_mismatch(options["runtime"], options["architecture"])
    if mismatch:
        warn(mismatch)
    return LocalRun(zip_path, options)
