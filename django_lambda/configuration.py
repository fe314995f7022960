"""The deploy's configuration as one frozen value: what ``conf.deploy_config()`` builds.

A command builds it once from the settings and passes it down, as an
argument, to the builder (``package.build_package``), the deployer
(``aws.Deployer``) and the local runs (``local.function_options``,
``deploy.local_run.local_package``, ``smoke.smoke_test``); the sandbox derives its own
with ``dataclasses.replace`` (``sandbox.sandbox_config``). It lives apart
from ``conf`` so that the request path, which imports ``conf``, never pays
for making the class.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

# The region of what runs without AWS (a local run, the sandbox, the host a
# request carries) when no region is configured anywhere; a deploy has none
# then, and boto3 stops it with NoRegionError.
DEFAULT_REGION = "us-east-1"

# A setting that names a file or directory.
PathSetting = str | os.PathLike[str]


@dataclass(frozen=True)
class Vpc:
    """The VPC setting: the function's subnets and security groups."""

    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]


@dataclass(frozen=True)
class ScheduledCommand:
    """An entry of the SCHEDULE setting: its name, the command line, when, in which time zone."""

    name: str
    command: str
    # "rate(...)" or "cron(...)", as EventBridge Scheduler takes it
    expression: str
    # An IANA time zone name; None: UTC
    timezone: str | None = None


@dataclass(frozen=True)
class DeployConfig:
    """The function, package and routing settings, typed, with their defaults resolved.

    Each field is the setting of the same name in lower case, but for the
    resolved ones noted here.
    """

    # -- the function
    function_name: str | None
    # function_region(REGION): where the deploy goes; None when nothing names one.
    region: str | None
    role_arn: str | None
    # RUNTIME, else this interpreter's (local_runtime()).
    runtime: str
    architecture: str
    memory_size: int
    timeout: int
    environment: Mapping[str, str]
    snapstart: bool
    vpc: Vpc | None
    layers: tuple[str, ...]
    tags: Mapping[str, str]
    alias: str
    # "function_url", "http_api" or None
    http: str | None
    endpoint_url: str | None
    # -- the package
    # PROJECT_DIR, else settings.BASE_DIR, else the current directory.
    project_dir: Path
    # project_dir / BUILD_DIR; BUILD_DIR as written is build_dir_setting.
    build_dir: Path
    build_dir_setting: PathSetting
    # STATIC_MANIFEST_DIR, else project_dir.
    manifest_dir: Path
    requirements: PathSetting | None
    # Whether the settings name REQUIREMENTS: then the file must exist.
    requirements_explicit: bool
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    exclude_runtime_packages: bool
    runtime_packages: tuple[str, ...]
    prune: tuple[str, ...]
    prune_static: bool
    prune_locales: bool
    compile: bool
    s3_bucket: str | None
    # -- the deploy
    smoke_test_paths: tuple[str, ...]
    # -- schedules and tasks
    schedule: tuple[ScheduledCommand, ...] = ()
    keep_warm: str | None = None
    scheduler_role_arn: str | None = None
    task_retries: int | None = None
    task_failure_destination: str | None = None
    # Whether TASKS uses the Lambda backend: the function then invokes itself.
    invokes_itself: bool = False

    # The function's name in a local run of a project that names none.
    LOCAL_NAME: ClassVar[str] = "local"

    @property
    def named_region(self) -> str:
        """``region``, else ``DEFAULT_REGION``: for what needs a region name without
        deploying (a local run's ``AWS_REGION``, the sandbox, a made-up host)."""
        return self.region or DEFAULT_REGION

    @property
    def local_name(self) -> str:
        """``function_name``, else ``LOCAL_NAME``: the name a local run gives the function."""
        return self.function_name or self.LOCAL_NAME
