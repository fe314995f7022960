"""The embedded AWS: moto's server on 127.0.0.1, kept running between commands.

``activate(project_dir)`` reuses the sandbox recorded in
``<project>/.lambda/sandbox.json`` if it still answers, or starts
``python -m moto.server`` on a free loopback port as a background process
(its log in ``.lambda/sandbox.log``). It then points every AWS client in this
process at it (boto3 honours ``AWS_ENDPOINT_URL`` for every service), with
fake credentials and no AWS config files, so nothing can reach a real
account, and makes sure the role and buckets the demo needs exist there.
``stop(project_dir)`` ends it. State lives as long as the server process:
moto keeps everything in memory. ``sandbox_config(info, config)`` is the
deploy's configuration as the sandbox needs it.

moto is run, never imported: the handler path must not pay for it, and a
site deployed to Lambda does not have it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django_lambda.conf import DEFAULT_REGION
from django_lambda.configuration import DeployConfig

ROLE_NAME = "django-lambda-sandbox"
CODE_BUCKET = "django-lambda-sandbox-code"
STATE_FILE = "sandbox.json"
LOG_FILE = "sandbox.log"
STATE_DIR = ".lambda"
# moto's server answers its own API here; a port reused by anything else does not.
HEALTH_PATH = "/moto-api/config"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

# Set for the sandbox; the config-file variables point nowhere so that a
# developer's profiles (and any endpoint or credentials in them) are never read.
SANDBOX_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_SESSION_TOKEN": "sandbox",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


class SandboxError(Exception):
    """The sandbox cannot be started or used; the message says what to do."""


@dataclass(frozen=True)
class SandboxInfo:
    endpoint_url: str
    pid: int
    region: str
    # Filled in once the resources exist (not stored in sandbox.json).
    role_arn: str = ""
    code_bucket: str = CODE_BUCKET
    # False when this call started the server, True when it found one running.
    reused: bool = False

    def client(self, service_name: str) -> Any:
        """A boto3 client for ``service_name`` in the sandbox."""
        from django_lambda import aws

        return aws.client(service_name, region=self.region, endpoint_url=self.endpoint_url)


def state_path(project_dir: Path) -> Path:
    return Path(project_dir) / STATE_DIR / STATE_FILE


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
    project_dir = Path(project_dir)
    state_dir = project_dir / STATE_DIR
    state_dir.mkdir(parents=True, exist_ok=True)
    # One sandbox per project, even when two commands start at once.
    with open(state_dir / "sandbox.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        info = running(project_dir) or _start(project_dir)
    info = replace(info, region=region)
    point_environment_at(info)
    role_arn = _ensure_resources(info, [CODE_BUCKET, *buckets], list(public_buckets))
    return replace(info, role_arn=role_arn)


def running(project_dir: Path | str) -> SandboxInfo | None:
    """The sandbox recorded for ``project_dir`` if it still answers, else None.

    A record whose server no longer answers is removed.
    """
    path = state_path(Path(project_dir))
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as error:
        raise SandboxError(
            f"{path} is not valid JSON ({error}); delete it and run the command again."
        ) from error
    info = SandboxInfo(
        endpoint_url=state["endpoint_url"], pid=state["pid"], region=DEFAULT_REGION, reused=True
    )
    if _answers(info.endpoint_url):
        return info
    if _is_sandbox_process(info.pid):
        # Alive but not answering: busy (a large upload), or still starting.
        # Give it the time a start gets, rather than leave it running orphaned.
        if _wait_until_answers(info.endpoint_url, lambda: _alive(info.pid)):
            return info
        _terminate(info.pid)
    path.unlink()
    return None


def stop(project_dir: Path | str) -> bool:
    """End the project's sandbox and forget it; False if none was recorded."""
    path = state_path(Path(project_dir))
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except ValueError:
        state = {}
    pid = state.get("pid")
    if isinstance(pid, int) and _is_sandbox_process(pid):
        _terminate(pid)
    path.unlink()
    return True


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


@dataclass(frozen=True)
class DeployedPackage:
    # The function's code, downloaded from the sandbox and checked against CodeSha256.
    zip_path: Path
    # GetFunctionConfiguration for the invoked version or alias.
    configuration: dict[str, Any]

    @property
    def environment(self) -> dict[str, str]:
        variables: dict[str, str] = (self.configuration.get("Environment") or {}).get(
            "Variables"
        ) or {}
        return variables


def store_package(info: SandboxInfo, function_name: str, zip_path: Path) -> str:
    """Keep the deployed package in the sandbox's code bucket; return its key.

    moto stores a function's code but does not serve the ``Code.Location`` URL
    that GetFunction returns, so the sandbox keeps its own copy, under the key
    lambda_deploy gives the packages it uploads through S3, which
    ``deployed_package`` checks against the function's CodeSha256.
    """
    from django_lambda.aws import package_key
    from django_lambda.package import code_sha256

    data = Path(zip_path).read_bytes()
    key = package_key(function_name, code_sha256(data))
    info.client("s3").put_object(Bucket=info.code_bucket, Key=key, Body=data)
    return key


def deployed_package(
    info: SandboxInfo, project_dir: Path | str, function_name: str, qualifier: str | None
) -> DeployedPackage:
    """The code the sandbox's function runs, downloaded into ``.lambda/sandbox-packages/``."""
    from botocore.exceptions import ClientError

    from django_lambda.aws import package_key
    from django_lambda.package import code_sha256

    where = f"{function_name}:{qualifier}" if qualifier else function_name
    lambda_client = info.client("lambda")
    s3 = info.client("s3")
    try:
        configuration = lambda_client.get_function_configuration(
            FunctionName=function_name, **({"Qualifier": qualifier} if qualifier else {})
        )
    except lambda_client.exceptions.ResourceNotFoundException:
        raise SandboxError(
            f"The sandbox has no function {where}: deploy it first with "
            "`manage.py lambda_deploy --sandbox`."
        ) from None
    configuration.pop("ResponseMetadata", None)
    expected = configuration["CodeSha256"]
    key = package_key(function_name, expected)
    try:
        data = s3.get_object(Bucket=info.code_bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchKey"):
            raise
        raise SandboxError(
            f"The sandbox has no copy of {where}'s code (s3://{info.code_bucket}/{key}): "
            "deploy it again with `manage.py lambda_deploy --sandbox`."
        ) from None
    actual = code_sha256(data)
    if actual != expected:
        raise SandboxError(
            f"s3://{info.code_bucket}/{key} has CodeSha256 {actual}, but {where} runs "
            f"{expected}: deploy it again with `manage.py lambda_deploy --sandbox`."
        )
    target = Path(project_dir) / STATE_DIR / "sandbox-packages" / Path(key).name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return DeployedPackage(target, configuration)


def activate_project(config: DeployConfig) -> SandboxInfo:
    """``activate()`` for ``config``'s project: its directory and region, and the Django
    project's static-files bucket (publicly readable, as a static bucket is)."""
    from django.conf import settings

    static = getattr(settings, "STORAGES", {}).get("staticfiles", {})
    bucket = (static.get("OPTIONS") or {}).get("bucket_name")
    return activate(
        config.project_dir,
        region=config.named_region,
        public_buckets=[bucket] if bucket else [],
    )


def local_function_options(config: DeployConfig, deployed: DeployedPackage) -> dict[str, Any]:
    """``local.LocalFunction`` options that run ``deployed`` (of ``config``'s function) as
    the sandbox has it: the function's deployed environment, memory, timeout and runtime."""
    from django_lambda import local

    configuration = deployed.configuration
    options = local.function_options(config)
    environment = {**deployed.environment}
    environment.setdefault(
        "DJANGO_SETTINGS_MODULE", options["environment"]["DJANGO_SETTINGS_MODULE"]
    )
    options.update(
        function_name=configuration["FunctionName"],
        environment=environment,
        runtime=configuration.get("Runtime") or options["runtime"],
        architecture=(configuration.get("Architectures") or [options["architecture"]])[0],
        memory_size=configuration.get("MemorySize") or options["memory_size"],
        timeout=configuration.get("Timeout") or options["timeout"],
    )
    return options


def _start(project_dir: Path) -> SandboxInfo:
    for module in ("moto", "flask"):
        if find_spec(module) is None:
            raise SandboxError(
                f"The sandbox needs moto's server, and {module!r} is not installed. "
                "Install django-lambda's 'sandbox' extra, or: pip install 'moto[server]'"
            )
    state_dir = project_dir / STATE_DIR
    port = _free_port()
    endpoint_url = f"http://127.0.0.1:{port}"
    log_path = state_dir / LOG_FILE
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=project_dir,
            env=_server_environment(),
            # Its own session: Ctrl-C in the terminal that started it, or that
            # terminal closing, does not end it; stop() does.
            start_new_session=True,
        )
    if not _wait_until_answers(endpoint_url, lambda: process.poll() is None):
        if process.poll() is not None:
            raise SandboxError(
                f"moto's server exited with status {process.returncode} before answering; "
                f"its log is {log_path}:\n{_tail(log_path)}"
            )
        _terminate(process.pid)
        raise SandboxError(
            f"moto's server did not answer on {endpoint_url} within {START_TIMEOUT:.0f} s; "
            f"its log is {log_path}:\n{_tail(log_path)}"
        )
    info = SandboxInfo(endpoint_url=endpoint_url, pid=process.pid, region=DEFAULT_REGION)
    state = {"endpoint_url": endpoint_url, "pid": process.pid}
    state_path(project_dir).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    # The server outlives this Popen object on purpose; mark it collected so
    # Python does not warn that it is "still running" at exit.
    process.returncode = 0
    return info


def _server_environment() -> dict[str, str]:
    """The server's environment: none of the developer's AWS settings (moto reads
    them too, and fails on a profile it cannot find), only the sandbox's."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    return {**environment, **SANDBOX_ENVIRONMENT}


def _ensure_resources(info: SandboxInfo, buckets: list[str], public_buckets: list[str]) -> str:
    """Create the role and the buckets if missing (each step safe to rerun); the role ARN."""
    from botocore.exceptions import ClientError

    iam = info.client("iam")
    s3 = info.client("s3")
    try:
        role = iam.get_role(RoleName=ROLE_NAME)["Role"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY),
            Description="Execution role for functions deployed to the django-lambda sandbox",
        )["Role"]
    for bucket in dict.fromkeys([*buckets, *public_buckets]):
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
                raise
            if info.region == "us-east-1":
                s3.create_bucket(Bucket=bucket)
            else:
                s3.create_bucket(
                    Bucket=bucket,
                    CreateBucketConfiguration={"LocationConstraint": info.region},
                )
    for bucket in public_buckets:
        # moto, like S3, refuses anonymous reads unless a policy allows them.
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read_policy(bucket)))
    return str(role["Arn"])


def ensure_public_bucket(info: SandboxInfo, bucket: str) -> None:
    """Create ``bucket`` in the sandbox if missing, readable by anyone, as a static
    files bucket is: the one the function's settings name, which the deploy learns
    only with the function's environment."""
    _ensure_resources(info, [], [bucket])


def public_read_policy(bucket: str) -> dict[str, Any]:
    """A bucket policy that lets anyone read the bucket's objects (not list them).

    For moto only: S3 authorizes HEAD with s3:GetObject, but moto checks an
    anonymous HEAD against "s3:HeadObject", an action IAM does not have (and
    real S3 would refuse in a policy), so without it HEAD is a 403 where GET
    is a 200.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadForStaticFiles",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:HeadObject"],
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def _answers(endpoint_url: str) -> bool:
    try:
        with urllib.request.urlopen(endpoint_url + HEALTH_PATH, timeout=2) as response:
            json.loads(response.read())
            return bool(200 <= response.status < 300)
    except (OSError, ValueError):
        return False


def _wait_until_answers(endpoint_url: str, alive: Callable[[], bool]) -> bool:
    """Poll until the server answers (True), dies or START_TIMEOUT passes (False)."""
    deadline = time.monotonic() + START_TIMEOUT
    while alive() and time.monotonic() < deadline:
        if _answers(endpoint_url):
            return True
        time.sleep(0.1)
    return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _is_sandbox_process(pid: int) -> bool:
    """Whether ``pid`` still is a moto server (pids get reused)."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        return b"moto.server" in cmdline.read_bytes()
    # No /proc (macOS): all that can be checked is that it exists.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _terminate(pid: int) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)
    raise SandboxError(f"The sandbox server (pid {pid}) did not end; end it by hand.")


def _alive(pid: int) -> bool:
    # Reap it if this process started it, so that it does not linger as a zombie.
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
