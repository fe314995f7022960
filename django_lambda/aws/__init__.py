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
- ``logs``: the function's CloudWatch Logs, read (``LogReader``) and, by the sandbox's
  local runs, written (``LogWriter``);
- ``deployer``: ``Deployer``, the deploy's steps (upload, publish, route, rollback).

Each part takes an ``Aws`` (or the part it builds on) and the ``DeployConfig``;
a new resource (an execution role, a bucket, logs) is a new module of that shape.
"""

from django_lambda.aws.buckets import (
    StaticBucket,
    bucket_exists,
    bucket_owner,
    delete_bucket,
    ensure_static_bucket,
    public_read_policy,
)
from django_lambda.aws.clients import Aws, call, client, credential_variables
from django_lambda.aws.code import package_key
from django_lambda.aws.deployer import Deployer, Deployment
from django_lambda.aws.errors import DeployError, explain
from django_lambda.aws.function import execution_role, made_by_lambda_deploy, settings_module
from django_lambda.aws.logs import LogEvent, LogReader, LogWriter, log_group, parse_since
from django_lambda.aws.roles import Role, RoleSpec, delete_role, ensure_role, find_role

__all__ = [
    "Aws",
    "DeployError",
    "Deployer",
    "Deployment",
    "LogEvent",
    "LogReader",
    "LogWriter",
    "Role",
    "RoleSpec",
    "StaticBucket",
    "bucket_exists",
    "bucket_owner",
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
    "log_group",
    "made_by_lambda_deploy",
    "package_key",
    "parse_since",
    "public_read_policy",
    "settings_module",
]
