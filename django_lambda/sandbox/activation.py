"""Using the sandbox: make sure the project's runs, point this process's AWS clients at it,
and derive the deploy's configuration for it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from django.conf import settings

from django_lambda.configuration import DEFAULT_REGION, DeployConfig
from django_lambda.sandbox.resources import ensure_resources
from django_lambda.sandbox.server import (
    CODE_BUCKET,
    SANDBOX_ENVIRONMENT,
    SandboxInfo,
    ensure_running,
)


def activate(
    project_dir: Path | str,
    *,
    region: str = DEFAULT_REGION,
    buckets: Iterable[str] = (),
    public_buckets: Iterable[str] = (),
) -> SandboxInfo:
    """Make sure the sandbox runs, point this process's AWS clients at it, and return it.

    ``buckets`` (private) and ``public_buckets`` (anyone may read their objects,
    as a static-files bucket needs) are created if missing, besides the
    private code bucket. moto serves every region at once; ``region`` only
    tells clients which to use.
    """
    info = replace(ensure_running(Path(project_dir)), region=region)
    point_environment_at(info)
    role_arn = ensure_resources(info, [CODE_BUCKET, *buckets], public_buckets)
    return replace(info, role_arn=role_arn)


def activate_project(config: DeployConfig) -> SandboxInfo:
    """``activate()`` for ``config``'s project: its directory and region, and the Django
    project's static-files bucket (publicly readable, as a static bucket is)."""
    static = getattr(settings, "STORAGES", {}).get("staticfiles", {})
    bucket = (static.get("OPTIONS") or {}).get("bucket_name")
    return activate(
        config.project_dir,
        region=config.named_region,
        public_buckets=[bucket] if bucket else [],
    )


def point_environment_at(info: SandboxInfo) -> None:
    """Send every boto3 client made from now on in this process to the sandbox."""
    os.environ.update(SANDBOX_ENVIRONMENT)
    os.environ["AWS_ENDPOINT_URL"] = info.endpoint_url
    os.environ["AWS_DEFAULT_REGION"] = info.region
    os.environ["AWS_REGION"] = info.region
    os.environ.pop("AWS_PROFILE", None)


def sandbox_config(info: SandboxInfo, config: DeployConfig) -> DeployConfig:
    """``config`` as the sandbox needs it.

    The endpoint, region and role always become the sandbox's (a ROLE_ARN in
    the settings names a role of a real account, which the sandbox has not);
    the code bucket defaults to the sandbox's when the settings name none. The
    function's environment gets ``AWS_ENDPOINT_URL`` too: a function in the
    sandbox talks to the sandbox's AWS, as one on Lambda talks to Lambda's.
    """
    return replace(
        config,
        endpoint_url=info.endpoint_url,
        region=info.region,
        role_arn=info.role_arn,
        s3_bucket=config.s3_bucket or info.code_bucket,
        environment={**config.environment, "AWS_ENDPOINT_URL": info.endpoint_url},
    )
