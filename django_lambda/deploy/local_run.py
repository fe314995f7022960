"""The package a local run starts: the project's, built first when missing or stale.

:func:`local_run` is the setup that ``lambda_invoke --local`` and ``lambda_serve``
share: the package (built if missing or stale, its static manifest collected in the
function's environment), the options (the configuration's, or those of the function
deployed to the sandbox), and a warning when the package was built for another
platform than this one. It sits above both ``local`` (which runs a package) and
``deploy`` (which builds one), so neither imports the other's way back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_lambda.configuration import DeployConfig
from django_lambda.deploy.static import build_with_static
from django_lambda.local import LocalRunError, function_options, platform_mismatch
from django_lambda.package import PACKAGE_NAME, BuildError, own_source, project_files
from django_lambda.progress import Say, quiet


def _newest_input(config: DeployConfig) -> float:
    """The newest modification time among the files a build would put in the package,
    and the project directories that hold them."""
    project_dir = config.project_dir.resolve()
    # The build's own selection, so that what is checked is exactly what ships.
    files = project_files(config, skip=(config.build_dir.resolve(),), say=quiet)
    paths = {*files.values(), *own_source().values()}
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
    return build_with_static(config, say=say)


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
    except BuildError as error:
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
