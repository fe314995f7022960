"""AWS for the deploy and the commands, one module per thing it manages.

- ``errors``: ``DeployError`` and ``explain()``, which names the AWS error code and a fix;
- ``clients``: boto3 clients, made lazily and only there (``client()``), and ``call()``,
  the one place that retries; ``Aws`` is one region's clients and calls;
- ``function``, ``code``: the function's configuration and its package (``package_key``);
- ``versions``: published versions and the alias that carries the traffic;
- ``routes``: the Function URL or HTTP API, and the permissions to invoke the alias;
- ``roles``: IAM roles a service assumes for the function (``ensure_role``), tagged as
  the deploy's own (``ownership``), such as the execution role (``execution_role``);
- ``buckets``: the static files' bucket, created readable by anyone when missing;
- ``schedules``: EventBridge Scheduler's schedules for SCHEDULE and KEEP_WARM, and the
  alias's asynchronous invocation settings (the tasks' retries and failure destination);
- ``deployer``: ``Deployer``, the deploy's steps (upload, publish, route, rollback).

Each part takes an ``Aws`` (or the part it builds on) and the ``DeployConfig``;
a new resource (an execution role, a bucket, logs) is a new module of that shape.
"""

from django_lambda.aws.buckets import (
    StaticBucket,
    bucket_exists,
    delete_bucket,
    ensure_static_bucket,
)
from django_lambda.aws.clients import Aws, call, client, credential_variables
from django_lambda.aws.code import package_key
from django_lambda.aws.deployer import Deployer, Deployment
from django_lambda.aws.errors import DeployError, explain
from django_lambda.aws.function import execution_role, settings_module
from django_lambda.aws.roles import Role, RoleSpec, delete_role, ensure_role, find_role

__all__ = [
    "Aws",
    "DeployError",
    "Deployer",
    "Deployment",
    "Role",
    "RoleSpec",
    "StaticBucket",
    "bucket_exists",
    "call",
    "client",
    "credential_variables",
    "delete_bucket",
    "delete_role",
    "ensure_role",
    "ensure_static_bucket",
    "execution_role",
    "explain",
    "find_role",
    "package_key",
    "settings_module",
]
