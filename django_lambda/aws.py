"""boto3 orchestration; boto3 clients are made here, lazily, and nowhere else."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django_lambda import gate
from django_lambda.conf import HANDLER, SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.package import BuildResult, format_largest, format_size, sha256_hex
from django_lambda.progress import Say, quiet

# Above this a zip cannot go in the request body of CreateFunction/UpdateFunctionCode:
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024

# ResourceConflictException: another update of the function is still running
# (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html). The
# others are throttling. botocore's own retries do not cover the first.
RETRYABLE_CODES = frozenset(
    {
        "ResourceConflictException",
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
    }
)
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
POLL_INTERVAL = 1.0
POLL_ATTEMPTS = 600  # ten minutes: publishing a SnapStart version takes a few

Progress = Callable[[int, int], None]  # (bytes sent so far, total bytes)


def client(service_name: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service_name`` in ``region`` (None: boto3's default) and at
    ``endpoint_url`` (None: AWS's).

    boto3 is imported here, not at module level, so that the request path
    never pays for it. ``AWS_ENDPOINT_URL`` in the environment (boto3's own
    variable) also redirects every client, which is how the sandbox works.
    """
    import boto3

    # Typed as Any: the stubs only accept literal service names.
    session: Any = boto3.session.Session()
    return session.client(service_name, region_name=region, endpoint_url=endpoint_url)


def package_key(function_name: str, code_sha256: str) -> str:
    """The S3 key of a function's package, named by its content (``CodeSha256``): a
    retried deploy finds the upload that completed, the sandbox the code a function runs."""
    return f"django-lambda/{function_name}/{sha256_hex(code_sha256)}.zip"


def credential_variables() -> dict[str, str]:
    """The deploying user's credentials, as the environment variables boto3 reads.

    Resolved here from wherever boto3 finds them (a profile, SSO, the
    environment), so a child process that uploads for the deploy needs no
    access to the profiles themselves. Empty when there are none: the child's
    boto3 then reports NoCredentialsError, as this process's would.
    """
    import boto3

    credentials = boto3.session.Session().get_credentials()
    if credentials is None:
        return {}
    frozen = credentials.get_frozen_credentials()
    variables = {
        "AWS_ACCESS_KEY_ID": str(frozen.access_key),
        "AWS_SECRET_ACCESS_KEY": str(frozen.secret_key),
    }
    if frozen.token:
        variables["AWS_SESSION_TOKEN"] = frozen.token
    return variables


class DeployError(Exception):
    """An AWS call failed; the message names the resource, the AWS error code and a fix."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def _hint(code: str, operation: str, message: str, region: str) -> str:
    if code == "NoCredentialsError":
        return (
            "No AWS credentials were found. Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run `aws configure`."
        )
    if code in {"UnrecognizedClientException", "InvalidSignatureException", "ExpiredToken"}:
        return "The AWS credentials are invalid or expired; refresh them (`aws sso login`, ...)."
    if code == "EndpointConnectionError":
        return (
            f"Cannot reach AWS in {region}. Check {SETTING_NAME}['REGION'] and "
            f"{SETTING_NAME}['ENDPOINT_URL'], and the network."
        )
    if code in {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}:
        return (
            f"The deploying identity may not call {operation}. Attach the IAM policy from "
            "the README section 'Deploying to AWS'."
        )
    if code == "InvalidParameterValueException" and "role" in message.lower():
        return (
            f"Lambda cannot assume {SETTING_NAME}['ROLE_ARN']. Check that the role exists, "
            "that its trust policy allows lambda.amazonaws.com, and, if it was just "
            "created, wait a few seconds for IAM to propagate and deploy again."
        )
    if code in {"ResourceNotFoundException", "NoSuchBucket", "404"}:
        return f"It does not exist in {region}. Check {SETTING_NAME}['REGION'] and the name."
    if code == "ResourceConflictException" and "already exist" in message:
        return "Something else (another deploy?) created it meanwhile; deploy again."
    if code in RETRYABLE_CODES:
        return "AWS kept refusing while another update ran or under throttling; deploy again."
    if code == "CodeStorageExceededException":
        return "The account's code storage is full; delete old function versions."
    if code == "RequestEntityTooLargeException":
        return f"Set {SETTING_NAME}['S3_BUCKET'] to upload the package through S3."
    return ""


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "Unknown"))
    # boto3's S3UploadFailedError is raised while handling the ClientError.
    context = getattr(exc.__context__, "response", None)
    if isinstance(context, dict):
        return str(context.get("Error", {}).get("Code", "Unknown"))
    return type(exc).__name__


def explain(
    exc: Exception, *, operation: str, resource: str, region: str | None = None
) -> DeployError:
    """A DeployError for a failed AWS call in ``region`` (None: boto3's default): what was
    done to what, AWS's code, and a hint."""
    code = _error_code(exc)
    message = str(exc)
    text = f"{operation} on {resource} failed ({code}): {message}"
    hint = _hint(code, operation, message, region or "boto3's default region")
    if hint:
        text += f"\nHint: {hint}"
    return DeployError(text, code=code)


def _managed(config: dict[str, Any]) -> dict[str, Any]:
    """The part of a function configuration this app sets, in one comparable shape."""
    vpc = config.get("VpcConfig") or {}
    return {
        "Role": config.get("Role"),
        "Handler": config.get("Handler"),
        "Runtime": config.get("Runtime"),
        "MemorySize": config.get("MemorySize"),
        "Timeout": config.get("Timeout"),
        "Environment": (config.get("Environment") or {}).get("Variables") or {},
        "Layers": [
            layer if isinstance(layer, str) else layer["Arn"]
            for layer in config.get("Layers") or []
        ],
        "VpcConfig": (
            sorted(vpc.get("SubnetIds") or []),
            sorted(vpc.get("SecurityGroupIds") or []),
        ),
        "SnapStart": (config.get("SnapStart") or {}).get("ApplyOn", "None"),
    }


def function_key(deployed: dict[str, Any] | None) -> str:
    """The key for the function's command gate (``django_lambda.gate``): the deployed
    function's own, kept across deploys, else a new one (on the first deploy, or when
    someone removed the variable: that is how to change it)."""
    variables = ((deployed or {}).get("Environment") or {}).get("Variables") or {}
    return str(variables.get(gate.KEY_VARIABLE) or gate.new_key())


def settings_module() -> str:
    """The settings module this process runs with, which the function will run with too."""
    from django.conf import settings

    # override_settings hides SETTINGS_MODULE (it reads None), the environment does not.
    module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE
    if not module:
        raise DeployError(
            "Cannot tell which settings module the function should use.\n"
            "Hint: run through manage.py, or set DJANGO_SETTINGS_MODULE, or put it in "
            f"{SETTING_NAME}['ENVIRONMENT'].",
            code="NoSettingsModule",
        )
    return str(module)


@dataclass
class Deployment:
    """What one deploy did; the command reports it."""

    created: bool = False
    code_uploaded: bool = False
    changed_settings: list[str] = field(default_factory=list)
    version: str | None = None
    published: bool = False
    previous_version: str | None = None
    url: str | None = None


class Deployer:
    """Brings ``config``'s function to the state of one build, one step at a time.

    The steps are ``upload`` (create, or update configuration then code),
    ``publish`` (a version, once it is Active) and ``route`` (move the alias,
    then make sure the URL exists). Traffic only moves in ``route``, so a
    failure anywhere before it leaves the alias on the old version. ``alias``
    is the configured one unless given (another alias of the same function).
    """

    def __init__(self, config: DeployConfig, *, alias: str | None = None, say: Say = quiet) -> None:
        self.config = config
        self.say = say
        # Required to deploy (django_lambda.E120), not to build: "" until set.
        self.function_name: str = config.function_name or ""
        self.alias: str = alias or config.alias
        self._clients: dict[str, Any] = {}

    # -- plumbing ---------------------------------------------------------

    def client(self, service_name: str) -> Any:
        if service_name not in self._clients:
            # Looked up on the module at call time, so tests can replace it.
            self._clients[service_name] = client(
                service_name, region=self.config.region, endpoint_url=self.config.endpoint_url
            )
        return self._clients[service_name]

    def explain(self, exc: Exception, *, operation: str, resource: str) -> DeployError:
        return explain(exc, operation=operation, resource=resource, region=self.config.region)

    def call(self, service_name: str, operation: str, resource: str, **kwargs: Any) -> Any:
        """One AWS call; conflicts and throttling are retried with backoff."""
        from botocore.exceptions import BotoCoreError, ClientError

        method = getattr(self.client(service_name), operation)
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                return method(**kwargs)
            except ClientError as exc:
                code = _error_code(exc)
                # The same code also means "already exists", which waiting cannot fix.
                exists = "already exist" in str(exc)
                if code in RETRYABLE_CODES and not exists and delay is not None:
                    self.say(f"{code} from {operation}; retry {attempt + 1} in {delay:g}s")
                    time.sleep(delay)
                    continue
                raise self.explain(exc, operation=operation, resource=resource) from exc
            except BotoCoreError as exc:
                raise self.explain(exc, operation=operation, resource=resource) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _missing(self, service_name: str, operation: str, resource: str, **kwargs: Any) -> Any:
        """``call``, but None when AWS answers ResourceNotFoundException."""
        try:
            return self.call(service_name, operation, resource, **kwargs)
        except DeployError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise

    @property
    def function_resource(self) -> str:
        return f"function {self.function_name!r}"

    @property
    def alias_resource(self) -> str:
        return f"alias {self.alias!r} of function {self.function_name!r}"

    # -- reading ----------------------------------------------------------

    def configuration(self, qualifier: str | None = None) -> dict[str, Any] | None:
        kwargs: dict[str, Any] = {"FunctionName": self.function_name}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        result: dict[str, Any] | None = self._missing(
            "lambda", "get_function_configuration", self.function_resource, **kwargs
        )
        return result

    def alias_version(self) -> str | None:
        alias = self._missing(
            "lambda",
            "get_alias",
            self.alias_resource,
            FunctionName=self.function_name,
            Name=self.alias,
        )
        return None if alias is None else str(alias["FunctionVersion"])

    def published_versions(self) -> list[dict[str, Any]]:
        """Every published version (not $LATEST), oldest first."""
        versions: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"FunctionName": self.function_name}
        while True:
            page = self.call(
                "lambda", "list_versions_by_function", self.function_resource, **kwargs
            )
            versions.extend(v for v in page["Versions"] if v["Version"] != "$LATEST")
            if not page.get("NextMarker"):
                break
            kwargs["Marker"] = page["NextMarker"]
        return sorted(versions, key=lambda v: int(v["Version"]))

    def desired_configuration(self) -> dict[str, Any]:
        """UpdateFunctionConfiguration arguments for the configuration."""
        config = self.config
        environment = dict(config.environment)
        if "DJANGO_SETTINGS_MODULE" not in environment:
            environment["DJANGO_SETTINGS_MODULE"] = settings_module()
        vpc = config.vpc
        return {
            "FunctionName": self.function_name,
            "Role": config.role_arn,
            "Handler": HANDLER,
            "Runtime": config.runtime,
            "MemorySize": config.memory_size,
            "Timeout": config.timeout,
            "Environment": {"Variables": environment},
            "Layers": list(config.layers),
            "VpcConfig": {
                "SubnetIds": list(vpc.subnet_ids) if vpc else [],
                "SecurityGroupIds": list(vpc.security_group_ids) if vpc else [],
            },
            "SnapStart": {"ApplyOn": "PublishedVersions" if config.snapstart else "None"},
        }

    def wait_until_ready(self, qualifier: str | None = None) -> dict[str, Any]:
        """Poll until the function (or version) is Active and its last update finished.

        Polling by hand rather than with the ``function_active_v2`` and
        ``function_updated_v2`` waiters: one loop covers both, and a Failed
        state ends it with Lambda's own reason in the error.
        """
        resource = self.function_resource + (f" version {qualifier}" if qualifier else "")
        for _ in range(POLL_ATTEMPTS):
            config = self.configuration(qualifier)
            if config is None:
                raise DeployError(f"{resource} disappeared while deploying.")
            state = config.get("State") or "Active"
            update = config.get("LastUpdateStatus") or "Successful"
            if state == "Failed" or update == "Failed":
                reason = config.get("StateReason") or config.get("LastUpdateStatusReason")
                code = config.get("StateReasonCode") or config.get("LastUpdateStatusReasonCode")
                raise DeployError(
                    f"{resource} failed to become ready ({code}): {reason}", code=code
                )
            if state == "Active" and update == "Successful":
                return config
            time.sleep(POLL_INTERVAL)
        raise DeployError(
            f"{resource} was still not ready after {POLL_ATTEMPTS * POLL_INTERVAL:g}s.",
            code="Timeout",
        )

    # -- step: upload -----------------------------------------------------

    def check_package(self, build: BuildResult) -> None:
        if build.zipped_size > DIRECT_UPLOAD_LIMIT and not self.config.s3_bucket:
            raise DeployError(
                f"The package is {format_size(build.zipped_size)} zipped, over Lambda's "
                f"{format_size(DIRECT_UPLOAD_LIMIT)} limit for a direct upload.\n"
                f"Hint: set {SETTING_NAME}['S3_BUCKET'] to a bucket in the function's "
                "region to upload through S3, or leave out some of the largest "
                f"packages: {format_largest(build.largest)}.",
                code="PackageTooLarge",
            )

    def code_location(self, build: BuildResult, progress: Progress | None) -> dict[str, Any]:
        """Code arguments for Create/UpdateFunction(Code): the bytes, or an S3 object."""
        if build.zipped_size <= DIRECT_UPLOAD_LIMIT:
            self.say(f"Uploading {format_size(build.zipped_size)} directly to Lambda.")
            return {"ZipFile": build.zip_path.read_bytes()}
        bucket = self.config.s3_bucket
        assert bucket is not None, "check_package refuses this"
        key = package_key(self.function_name, build.sha256)
        resource = f"s3://{bucket}/{key}"
        try:
            self.call("s3", "head_object", resource, Bucket=bucket, Key=key)
        except DeployError as exc:
            if exc.code not in {"404", "NoSuchKey"}:
                raise
            self.upload_to_s3(build, bucket, key, progress)
        else:
            self.say(f"{resource} is already uploaded.")
        return {"S3Bucket": bucket, "S3Key": key}

    def upload_to_s3(
        self, build: BuildResult, bucket: str, key: str, progress: Progress | None
    ) -> None:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        self.say(f"Uploading {format_size(build.zipped_size)} to s3://{bucket}/{key}.")
        sent = 0

        def callback(chunk: int) -> None:
            nonlocal sent
            sent += chunk
            if progress:
                progress(sent, build.zipped_size)

        try:
            self.client("s3").upload_file(str(build.zip_path), bucket, key, Callback=callback)
        except (S3UploadFailedError, ClientError, BotoCoreError) as exc:
            # upload_file wraps the S3 error in its message; keep AWS's code.
            raise self.explain(
                exc, operation="upload_file", resource=f"s3://{bucket}/{key}"
            ) from exc

    def upload(self, build: BuildResult, *, progress: Progress | None = None) -> Deployment:
        """Create the function, or update its configuration and then its code."""
        self.check_package(build)
        deployment = Deployment()
        desired = self.desired_configuration()
        deployed = self.configuration()
        desired["Environment"]["Variables"][gate.KEY_VARIABLE] = function_key(deployed)
        if deployed is None:
            self.create(build, desired, progress)
            deployment.created = deployment.code_uploaded = True
            return deployment
        self.tag(deployed["FunctionArn"])
        # ROLE_ARN is only required to create; unset, the deployed role stays.
        desired["Role"] = desired["Role"] or deployed["Role"]
        wanted, current = _managed(desired), _managed(deployed)
        deployment.changed_settings = [key for key in wanted if wanted[key] != current[key]]
        if deployment.changed_settings:
            self.say("Updating configuration: " + ", ".join(deployment.changed_settings) + ".")
            self.call("lambda", "update_function_configuration", self.function_resource, **desired)
            deployed = self.wait_until_ready()
        architecture = self.config.architecture
        if deployed["CodeSha256"] == build.sha256 and architecture in deployed.get(
            "Architectures", ["x86_64"]
        ):
            self.say(f"Code unchanged (CodeSha256 {build.sha256}); skipping the upload.")
            return deployment
        self.call(
            "lambda",
            "update_function_code",
            self.function_resource,
            FunctionName=self.function_name,
            Architectures=[architecture],
            **self.code_location(build, progress),
        )
        deployment.code_uploaded = True
        self.wait_until_ready()
        return deployment

    def create(
        self, build: BuildResult, desired: dict[str, Any], progress: Progress | None
    ) -> None:
        if not desired["Role"]:
            raise DeployError(
                f"{self.function_resource} does not exist yet, and creating it needs an "
                "execution role.\n"
                f"Hint: set {SETTING_NAME}['ROLE_ARN'] to the ARN of an IAM role that "
                "lambda.amazonaws.com may assume (see the README, 'Deploying to AWS').",
                code="RoleRequired",
            )
        self.say(f"Creating {self.function_resource}.")
        arguments = {key: value for key, value in desired.items() if key != "VpcConfig"}
        if self.config.vpc:
            arguments["VpcConfig"] = desired["VpcConfig"]
        if not arguments["Layers"]:
            del arguments["Layers"]
        self.call(
            "lambda",
            "create_function",
            self.function_resource,
            **arguments,
            Code=self.code_location(build, progress),
            Architectures=[self.config.architecture],
            PackageType="Zip",
            Publish=False,
            Tags=dict(self.config.tags),
        )
        self.wait_until_ready()

    def tag(self, function_arn: str) -> None:
        tags = dict(self.config.tags)
        if not tags:
            return
        current = self.call("lambda", "list_tags", self.function_resource, Resource=function_arn)
        if any(current.get("Tags", {}).get(key) != value for key, value in tags.items()):
            self.call(
                "lambda", "tag_resource", self.function_resource, Resource=function_arn, Tags=tags
            )

    # -- step: publish ----------------------------------------------------

    def publish(self, deployment: Deployment) -> str:
        """Publish $LATEST as a version and wait until it is Active; returns the version.

        Lambda answers PublishVersion with the newest version when nothing
        changed since it; this does the same explicitly, so a rerun after a
        failed route step reuses the version instead of stacking new ones.
        """
        latest = self.wait_until_ready()
        versions = self.published_versions()
        if versions and (
            versions[-1]["CodeSha256"] == latest["CodeSha256"]
            and _managed(versions[-1]) == _managed(latest)
        ):
            version = str(versions[-1]["Version"])
            self.say(f"Version {version} already holds this code and configuration.")
        else:
            published = self.call(
                "lambda",
                "publish_version",
                self.function_resource,
                FunctionName=self.function_name,
                # Guard: fail rather than publish code someone else uploaded meanwhile.
                CodeSha256=latest["CodeSha256"],
            )
            version = str(published["Version"])
            deployment.published = True
            self.say(f"Published version {version}.")
        self.wait_until_ready(version)
        deployment.version = version
        return version

    # -- step: route ------------------------------------------------------

    def move_alias(self, version: str) -> str | None:
        """Point the alias at ``version`` (Active first); returns the version it left."""
        self.wait_until_ready(version)
        previous = self.alias_version()
        if previous is None:
            self.call(
                "lambda",
                "create_alias",
                self.alias_resource,
                FunctionName=self.function_name,
                Name=self.alias,
                FunctionVersion=version,
            )
            self.say(f"Created alias {self.alias!r} on version {version}.")
        elif previous != version:
            self.call(
                "lambda",
                "update_alias",
                self.alias_resource,
                FunctionName=self.function_name,
                Name=self.alias,
                FunctionVersion=version,
            )
            self.say(f"Moved alias {self.alias!r} from version {previous} to {version}.")
        else:
            self.say(f"Alias {self.alias!r} already on version {version}.")
        return previous

    def route(self, deployment: Deployment) -> str | None:
        assert deployment.version is not None, "publish before route"
        deployment.previous_version = self.move_alias(deployment.version)
        deployment.url = self.expose()
        return deployment.url

    def alias_arn(self) -> str:
        alias = self.call(
            "lambda",
            "get_alias",
            self.alias_resource,
            FunctionName=self.function_name,
            Name=self.alias,
        )
        return str(alias["AliasArn"])

    def expose(self, *, create: bool = True) -> str | None:
        """The URL of the Function URL or HTTP API on the alias, created if missing.

        The invoke permissions are checked on every deploy, so a deploy that
        failed between creating the endpoint and granting them heals on rerun.
        With ``create=False`` (rollback, dry run) nothing is written.
        """
        if self.config.http == "function_url":
            return self.function_url(create=create)
        if self.config.http == "http_api":
            return self.http_api(create=create)
        return None

    def ensure_permission(self, statement_id: str, **statement: Any) -> None:
        """Add a statement to the alias's resource policy unless it is there already."""
        policy = self._missing(
            "lambda",
            "get_policy",
            self.alias_resource,
            FunctionName=self.function_name,
            Qualifier=self.alias,
        )
        existing = json.loads(policy["Policy"])["Statement"] if policy else []
        if any(s.get("Sid") == statement_id for s in existing):
            return
        self.call(
            "lambda",
            "add_permission",
            self.alias_resource,
            FunctionName=self.function_name,
            Qualifier=self.alias,
            StatementId=statement_id,
            **statement,
        )

    def function_url(self, *, create: bool = True) -> str | None:
        existing = self._missing(
            "lambda",
            "get_function_url_config",
            self.alias_resource,
            FunctionName=self.function_name,
            Qualifier=self.alias,
        )
        if not create:
            return None if existing is None else str(existing["FunctionUrl"])
        if existing is None:
            existing = self.call(
                "lambda",
                "create_function_url_config",
                self.alias_resource,
                FunctionName=self.function_name,
                Qualifier=self.alias,
                AuthType="NONE",
            )
            self.say("Created the Function URL.")
        # A public URL needs both statements since October 2025:
        # https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
        self.ensure_permission(
            "django-lambda-function-url",
            Action="lambda:InvokeFunctionUrl",
            Principal="*",
            FunctionUrlAuthType="NONE",
        )
        self.ensure_permission(
            "django-lambda-function-url-invoke",
            Action="lambda:InvokeFunction",
            Principal="*",
            InvokedViaFunctionUrl=True,
        )
        return str(existing["FunctionUrl"])

    def find_http_api(self) -> dict[str, Any] | None:
        """The HTTP API named after the function, if there is one."""
        kwargs: dict[str, Any] = {}
        while True:
            page = self.call(
                "apigatewayv2", "get_apis", f"HTTP API {self.function_name!r}", **kwargs
            )
            for api in page.get("Items", []):
                if api.get("Name") == self.function_name and api.get("ProtocolType") == "HTTP":
                    return dict(api)
            if not page.get("NextToken"):
                return None
            kwargs["NextToken"] = page["NextToken"]

    def http_api(self, *, create: bool = True) -> str | None:
        """The HTTP API named after the function: a $default route to the alias."""
        api = self.find_http_api()
        if not create:
            return None if api is None else str(api["ApiEndpoint"])
        alias_arn = self.alias_arn()
        if api is None:
            api = self.create_http_api(alias_arn)
        _, partition, _, region, account, *_ = alias_arn.split(":")
        api_id = api["ApiId"]
        self.ensure_permission(
            f"django-lambda-http-api-{api_id}",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:{partition}:execute-api:{region}:{account}:{api_id}/*",
        )
        return str(api["ApiEndpoint"])

    def create_http_api(self, alias_arn: str) -> dict[str, Any]:
        # What quick create (create_api with Target) makes, spelled out: moto
        # ignores Target, and this way each part's failure names itself.
        resource = f"HTTP API {self.function_name!r}"
        api: dict[str, Any] = self.call(
            "apigatewayv2",
            "create_api",
            resource,
            Name=self.function_name,
            ProtocolType="HTTP",
            Tags=dict(self.config.tags),
        )
        integration = self.call(
            "apigatewayv2",
            "create_integration",
            resource,
            ApiId=api["ApiId"],
            IntegrationType="AWS_PROXY",
            IntegrationUri=alias_arn,
            PayloadFormatVersion="2.0",
        )
        self.call(
            "apigatewayv2",
            "create_route",
            resource,
            ApiId=api["ApiId"],
            RouteKey="$default",
            Target=f"integrations/{integration['IntegrationId']}",
        )
        self.call(
            "apigatewayv2",
            "create_stage",
            resource,
            ApiId=api["ApiId"],
            StageName="$default",
            AutoDeploy=True,
        )
        self.say(f"Created {resource}.")
        return api

    # -- rollback ---------------------------------------------------------

    def rollback(self, version: str | None = None) -> tuple[str, str]:
        """Move the alias to ``version``, or the one before its current; returns (from, to)."""
        current = self.alias_version()
        if current is None:
            raise DeployError(
                f"There is no {self.alias_resource} to roll back; deploy first.",
                code="ResourceNotFoundException",
            )
        numbers = [int(v["Version"]) for v in self.published_versions()]
        if version is None:
            older = [n for n in numbers if n < int(current)]
            if not older:
                raise DeployError(
                    f"{self.alias_resource} is on version {current}, and there is no "
                    "earlier version to roll back to.",
                    code="NoPreviousVersion",
                )
            version = str(max(older))
        elif not version.isdigit() or int(version) not in numbers:
            raise DeployError(
                f"{self.function_resource} has no version {version!r}; published versions: "
                + (", ".join(map(str, numbers)) or "none")
                + ".",
                code="ResourceNotFoundException",
            )
        self.move_alias(version)
        return current, version
