"""``lambda_undeploy``'s teardown: a list of named steps, each finding what a deploy of the
function created (reading only) and saying how to remove it.

A step is a function ``(Teardown) -> list[Removal]``: it looks, and returns
one ``Removal`` per thing to remove (what it is, for the confirmation, and
the call that removes it), plus, in ``teardown.kept``, what it leaves on
purpose. The command lists every removal, asks, and only then removes them,
in the order of ``STEPS``. Running it again finds nothing: that is how it is
idempotent. Another part adds its own step (the schedules it creates, ...)
by adding a ``TeardownStep`` to ``STEPS``, before ``function`` when what it
removes invokes the function.

A deploy marks what it creates with the tag ``django-lambda:function``
(``aws.ownership``); what lacks it (a role or an HTTP API made by hand, a
bucket made beforehand) is kept, and said so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django_lambda import aws
from django_lambda.aws.ownership import OWNER_TAG, owner
from django_lambda.aws.schedules import NOT_OWNED, Schedules, remove_schedules, scheduler_role
from django_lambda.configuration import DeployConfig
from django_lambda.deploy.environment import FunctionEnvironment
from django_lambda.deploy.static import static_storage


@dataclass(frozen=True)
class Removal:
    """One thing to remove: what it is, as the command lists it, and how."""

    what: str
    remove: Callable[[], object]


@dataclass
class Teardown:
    """One run of ``lambda_undeploy`` for ``config``'s function."""

    config: DeployConfig
    deployer: aws.Deployer
    delete_static_bucket: bool = False
    # What the steps leave on purpose, and why, for the command to say.
    kept: list[str] = field(default_factory=list)

    @property
    def aws(self) -> aws.Aws:
        return self.deployer.aws

    @property
    def function_name(self) -> str:
        return self.deployer.function_name

    def keep_unowned(self, resource: str, advice: str = "") -> list[Removal]:
        """Keep ``resource``, which no deploy created, and say so; no removal."""
        self.kept.append(
            f"Kept {resource}: no deploy created it (it lacks the tag {OWNER_TAG}){advice}."
        )
        return []


@dataclass(frozen=True)
class TeardownStep:
    name: str
    find: Callable[[Teardown], list[Removal]]


def http_api(teardown: Teardown) -> list[Removal]:
    """The HTTP API named after the function, if a deploy created it."""
    routes = teardown.deployer.routes
    api = routes.find_http_api()
    if api is None:
        return []
    resource = f"{routes.http_api_resource} ({api['ApiEndpoint']})"
    if owner(api.get("Tags")) != teardown.function_name:
        return teardown.keep_unowned(resource)

    def remove() -> None:
        teardown.aws.call("apigatewayv2", "delete_api", resource, ApiId=api["ApiId"])

    return [Removal(resource, remove)]


def schedules(teardown: Teardown) -> list[Removal]:
    """The schedule group named after the function and its schedules, if a deploy created it."""
    group = Schedules(teardown.aws, teardown.function_name)
    try:
        found = group.existing()
    except aws.DeployError as exc:
        if exc.code != NOT_OWNED:
            raise
        return teardown.keep_unowned(group.resource)
    if found is None:
        return []
    names = ", ".join(sorted(found)) or "none"
    return [
        Removal(
            f"{group.resource} and its schedules ({names})",
            lambda: remove_schedules(teardown.aws, teardown.function_name),
        )
    ]


def function(teardown: Teardown) -> list[Removal]:
    """The function with all its versions and aliases, its Function URLs and the statements
    of its resource policy, which Lambda removes with it."""
    deployer = teardown.deployer
    configuration = deployer.configuration()
    if configuration is None:
        return []
    resource = deployer.function.resource
    if not aws.made_by_lambda_deploy(configuration):
        raise aws.DeployError(
            f"{resource} was not deployed by lambda_deploy (its environment has no command "
            "gate key), so lambda_undeploy leaves it alone.\n"
            "Hint: check DJANGO_LAMBDA['FUNCTION_NAME'] and DJANGO_LAMBDA['REGION'], or "
            "delete it yourself (`aws lambda delete-function`).",
            code="FunctionNotDeployed",
        )
    versions = [version["Version"] for version in deployer.versions.published()]
    alias = deployer.alias_version()
    parts = [f"{len(versions)} published version{'s' if len(versions) != 1 else ''}"]
    if alias is not None:
        parts.append(f"alias {deployer.alias!r}")
    url = deployer.routes.function_url(create=False) if alias is not None else None
    if url:
        parts.append(f"its Function URL {url}")

    def remove() -> None:
        teardown.aws.call(
            "lambda", "delete_function", resource, FunctionName=deployer.function_name
        )

    return [Removal(f"{resource} with {', '.join(parts)}", remove)]


def execution_role(teardown: Teardown) -> list[Removal]:
    """The execution role lambda_deploy created for the function (ROLE_ARN unset)."""
    return owned_role(teardown, aws.execution_role(teardown.config))


def schedules_role(teardown: Teardown) -> list[Removal]:
    """The role lambda_deploy created for EventBridge Scheduler (SCHEDULER_ROLE_ARN unset)."""
    return owned_role(teardown, scheduler_role(teardown.config, function_arn=""))


def owned_role(teardown: Teardown, spec: aws.RoleSpec) -> list[Removal]:
    """The role ``spec`` names, if it exists and a deploy of the function created it."""
    found = teardown.aws.missing("iam", "get_role", spec.resource, RoleName=spec.name)
    if found is None:
        return []
    if owner(found["Role"].get("Tags")) != teardown.function_name:
        return teardown.keep_unowned(spec.resource)
    return [Removal(spec.resource, lambda: aws.delete_role(teardown.aws, spec.name))]


def static_bucket(teardown: Teardown) -> list[Removal]:
    """The static files' bucket, with ``--delete-static-bucket`` only."""
    environment = FunctionEnvironment.from_config(teardown.config)
    configuration = static_storage(environment)
    name = (configuration or {}).get("bucket_name")
    if not name:
        return []
    bucket = aws.StaticBucket(name, teardown.function_name)
    if not aws.bucket_exists(teardown.aws, bucket):
        return []
    if not teardown.delete_static_bucket:
        teardown.kept.append(
            f"Kept {bucket.resource} and the static files in it (--delete-static-bucket "
            "empties and deletes it)."
        )
        return []
    if aws.bucket_owner(teardown.aws, name) != teardown.function_name:
        return teardown.keep_unowned(
            bucket.resource,
            f"; delete it yourself if you no longer need it (`aws s3 rb s3://{name} --force`)",
        )
    return [
        Removal(
            f"{bucket.resource} and every file in it",
            lambda: aws.delete_bucket(teardown.aws, bucket),
        )
    ]


# In the order they run: what invokes the function first, then the function, then
# what it used.
STEPS = [
    TeardownStep("http api", http_api),
    TeardownStep("schedules", schedules),
    TeardownStep("function", function),
    TeardownStep("role", execution_role),
    TeardownStep("scheduler role", schedules_role),
    TeardownStep("static bucket", static_bucket),
]


def plan(teardown: Teardown, steps: list[TeardownStep] | None = None) -> list[Removal]:
    """Every removal the steps find, in their order; nothing is removed yet."""
    return [removal for step in steps or STEPS for removal in step.find(teardown)]
