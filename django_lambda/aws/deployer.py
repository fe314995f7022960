"""The deploy's AWS side in three steps: upload, publish, route (and rollback)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django_lambda import gate
from django_lambda.aws.clients import Aws
from django_lambda.aws.code import Progress
from django_lambda.aws.function import Function, function_key
from django_lambda.aws.routes import Routes
from django_lambda.aws.versions import Versions
from django_lambda.configuration import DeployConfig
from django_lambda.package import BuildResult
from django_lambda.progress import Say, quiet


@dataclass
class Deployment:
    """What one deploy did; the command reports it."""

    created: bool = False
    # The execution role this deploy created for the new function, when ROLE_ARN is unset.
    created_role: str | None = None
    # The static files' bucket this deploy created (the pipeline's static upload).
    created_bucket: str | None = None
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
        self.aws = Aws.of(config, say=say)
        self.function = Function(self.aws, config)
        self.versions = Versions(self.function, alias or config.alias)
        self.routes = Routes(self.versions, config)

    @property
    def function_name(self) -> str:
        return self.function.name

    @property
    def alias(self) -> str:
        return self.versions.alias

    def client(self, service_name: str) -> Any:
        return self.aws.client(service_name)

    def configuration(self, qualifier: str | None = None) -> dict[str, Any] | None:
        return self.function.configuration(qualifier)

    def alias_version(self) -> str | None:
        return self.versions.alias_version()

    def expose(self, *, create: bool = True) -> str | None:
        return self.routes.expose(create=create)

    # -- the steps ----------------------------------------------------------

    def upload(self, build: BuildResult, *, progress: Progress | None = None) -> Deployment:
        """Create the function, or update its configuration and then its code."""
        function = self.function
        function.code.check(build)
        desired = function.desired_configuration()
        deployed = function.configuration()
        desired["Environment"]["Variables"][gate.KEY_VARIABLE] = function_key(deployed)
        if deployed is None:
            deployment = Deployment(created=True, code_uploaded=True)
            if not desired["Role"]:
                role = function.ensure_execution_role()
                desired["Role"] = role.arn
                deployment.created_role = role.name if role.created else None
            function.create(build, desired, progress)
            return deployment
        function.tag(deployed["FunctionArn"])
        # ROLE_ARN is only required to create; unset, the deployed role stays.
        desired["Role"] = desired["Role"] or deployed["Role"]
        config = function.config
        needs_more = config.vpc or config.invokes_itself
        if not config.role_arn and needs_more and function.runs_as_execution_role(deployed):
            # A VPC or the Tasks backend set after the role was created needs the
            # role's VPC access or its leave to invoke the function too.
            function.ensure_execution_role()
        changed, deployed = function.update_configuration(desired, deployed)
        uploaded = function.update_code(build, deployed, progress)
        return Deployment(code_uploaded=uploaded, changed_settings=changed)

    def publish(self, deployment: Deployment) -> str:
        """Publish a version (or reuse the newest, when it holds the same); returns it."""
        deployment.version, deployment.published = self.versions.publish()
        return deployment.version

    def route(self, deployment: Deployment) -> str | None:
        """Move the alias to the published version, then make sure the URL exists."""
        assert deployment.version is not None, "publish before route"
        deployment.previous_version = self.versions.move_alias(deployment.version)
        deployment.url = self.routes.expose()
        return deployment.url

    def rollback(self, version: str | None = None) -> tuple[str, str]:
        """Move the alias to ``version``, or the one before its current; returns (from, to)."""
        return self.versions.rollback(version)
