"""The embedded AWS: moto's server on 127.0.0.1, kept running between commands.

``activate(project_dir)`` reuses the sandbox recorded in
``<project>/.lambda/sandbox.json`` if it still answers, or starts
``python -m moto.server`` on a free loopback port as a background process
(``server``). It then points every AWS client in this process at it (boto3
honours ``AWS_ENDPOINT_URL`` for every service), with fake credentials and no
AWS config files, so nothing can reach a real account, and makes sure the role
and buckets the demo needs exist there (``resources``). ``stop(project_dir)``
ends it. State lives as long as the server process: moto keeps everything in
memory. ``sandbox_config(info, config)`` is the deploy's configuration as the
sandbox needs it (``activation``); ``packages`` keeps and fetches the code its
functions run, which runs here, as moto cannot run it.
"""

from django_lambda.sandbox.activation import (
    activate,
    activate_project,
    point_environment_at,
    sandbox_config,
)
from django_lambda.sandbox.packages import (
    DeployedPackage,
    deployed_package,
    local_function_options,
    store_package,
)
from django_lambda.sandbox.resources import (
    LAMBDA_TRUST_POLICY,
    ROLE_NAME,
    ensure_public_bucket,
    public_read_policy,
)
from django_lambda.sandbox.server import (
    CODE_BUCKET,
    SANDBOX_ENVIRONMENT,
    STATE_FILE,
    SandboxError,
    SandboxInfo,
    running,
    state_path,
    stop,
)

__all__ = [
    "CODE_BUCKET",
    "LAMBDA_TRUST_POLICY",
    "ROLE_NAME",
    "SANDBOX_ENVIRONMENT",
    "STATE_FILE",
    "DeployedPackage",
    "SandboxError",
    "SandboxInfo",
    "activate",
    "activate_project",
    "deployed_package",
    "ensure_public_bucket",
    "local_function_options",
    "point_environment_at",
    "public_read_policy",
    "running",
    "sandbox_config",
    "state_path",
    "stop",
    "store_package",
]
