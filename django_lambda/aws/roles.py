"""IAM roles that an AWS service assumes for the function (Lambda runs it as one, EventBridge
Scheduler invokes it with another): created when missing, reused and kept as declared when a
deploy of the same function created them, removed by ``lambda_undeploy``.

``ensure_role(aws, spec)`` creates the role a ``RoleSpec`` describes, under the
path ``/django-lambda/`` and with the ownership tag (``ownership``), or brings
the one an earlier deploy created up to date: its trust policy, its inline
policy, and its managed policies, which are attached when missing and never
detached (the user may have attached the site's own). A role of that name
that no deploy of the function created is never touched: that is an error.

IAM is eventually consistent: for a few seconds after CreateRole, the service
cannot assume the new role yet. That shows where the role is first passed
(CreateFunction, CreateSchedule), so the retry belongs there: give that call
a ``retry_if`` (see ``clients.call``) that accepts the service's own error.
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django_lambda.aws.clients import Aws
from django_lambda.aws.errors import ACCESS_DENIED_CODES, DeployError
from django_lambda.aws.ownership import OWNER_TAG, owner, owner_tags, tag_list

# Where the roles django-lambda creates live: the deploying user's policy can
# allow creating and passing roles under this path only.
ROLE_PATH = "/django-lambda/"
# IAM's limit on a role's name.
ROLE_NAME_LIMIT = 64
INLINE_POLICY_NAME = "django-lambda"


def role_name(function_name: str, suffix: str) -> str:
    """A role's name after the function's: ``function_name`` and ``suffix`` (``-lambda``),
    the name shortened to fit IAM's 64 characters."""
    return function_name[: ROLE_NAME_LIMIT - len(suffix)] + suffix


def managed_policy_arn(partition: str, name: str) -> str:
    """The ARN of AWS's managed policy ``name`` (``service-role/AWSLambdaBasicExecutionRole``)."""
    return f"arn:{partition}:iam::aws:policy/{name}"


@dataclass(frozen=True)
class RoleSpec:
    """A role a deploy of ``function_name`` needs: its name, the service that assumes it,
    and what it may do."""

    name: str
    # The service principal allowed to assume it: "lambda.amazonaws.com", ...
    service: str
    # The function whose deploy creates it, and whose undeploy removes it.
    function_name: str
    # AWS managed policies by their name after "policy/", in the role's partition.
    managed_policies: tuple[str, ...] = ()
    # A policy document, put as the inline policy INLINE_POLICY_NAME.
    inline_policy: Mapping[str, Any] | None = None
    description: str = ""
    # The user's tags (the TAGS setting); the ownership tag is added.
    tags: Mapping[str, str] = field(default_factory=dict)
    # What the user can do instead when the role cannot be created or is someone else's,
    # as the end of a sentence: "set DJANGO_LAMBDA['ROLE_ARN'] to a role of your own".
    instead: str = ""

    @property
    def resource(self) -> str:
        return f"role {self.name!r}"

    @property
    def trust_policy(self) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": self.service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }

    def describe(self) -> str:
        """What the role is, for the output: who assumes it and what it may do."""
        parts = [f"trusted by {self.service}"]
        if self.managed_policies:
            names = [name.rpartition("/")[2] for name in self.managed_policies]
            parts.append("with " + " and ".join(names))
        if self.inline_policy:
            parts.append(f"inline policy {INLINE_POLICY_NAME!r}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Role:
    """A role ``ensure_role`` made sure of."""

    name: str
    arn: str
    # Whether this deploy created it (else an earlier one did).
    created: bool


def find_role(aws: Aws, spec: RoleSpec) -> dict[str, Any] | None:
    """GetRole of ``spec``'s role if it exists and a deploy of its function created it;
    None if it does not exist. A DeployError when it exists and belongs to someone else."""
    found = aws.missing("iam", "get_role", spec.resource, RoleName=spec.name)
    if found is None:
        return None
    role: dict[str, Any] = found["Role"]
    if owner(role.get("Tags")) != spec.function_name:
        instead = f"{spec.instead}, or " if spec.instead else ""
        raise DeployError(
            f"{spec.resource} ({role['Arn']}) exists, and no deploy of function "
            f"{spec.function_name!r} created it (it lacks the tag "
            f"{OWNER_TAG}={spec.function_name}), so django-lambda leaves it alone.\n"
            f"Hint: {instead}delete that role, or tag it {OWNER_TAG}={spec.function_name} "
            "to let lambda_deploy manage it (and lambda_undeploy remove it).",
            code="RoleNotOwned",
        )
    return role


def ensure_role(aws: Aws, spec: RoleSpec) -> Role:
    """``spec``'s role: created, or the one an earlier deploy created, brought up to date."""
    try:
        return _ensure_role(aws, spec)
    except DeployError as exc:
        if exc.code in ACCESS_DENIED_CODES and spec.instead:
            raise DeployError(f"{exc} Or {spec.instead}.", code=exc.code) from exc
        raise


def _ensure_role(aws: Aws, spec: RoleSpec) -> Role:
    role = find_role(aws, spec)
    created = role is None
    if role is None:
        role = aws.call(
            "iam",
            "create_role",
            spec.resource,
            RoleName=spec.name,
            Path=ROLE_PATH,
            AssumeRolePolicyDocument=json.dumps(spec.trust_policy),
            Description=spec.description,
            Tags=tag_list(owner_tags(spec.function_name, spec.tags)),
        )["Role"]
        aws.say(f"Created {spec.resource}, {spec.describe()}.")
        attached: set[str] = set()
    else:
        if role.get("AssumeRolePolicyDocument") != spec.trust_policy:
            aws.call(
                "iam",
                "update_assume_role_policy",
                spec.resource,
                RoleName=spec.name,
                PolicyDocument=json.dumps(spec.trust_policy),
            )
            aws.say(f"Updated the trust policy of {spec.resource}: {spec.service} may assume it.")
        attached = _attached(aws, spec)
    partition = str(role["Arn"]).split(":")[1]
    for name in spec.managed_policies:
        policy_arn = managed_policy_arn(partition, name)
        if policy_arn not in attached:
            aws.call(
                "iam", "attach_role_policy", spec.resource, RoleName=spec.name, PolicyArn=policy_arn
            )
            if not created:
                aws.say(f"Attached {name.rpartition('/')[2]} to {spec.resource}.")
    if spec.inline_policy is not None:
        _put_inline_policy(aws, spec, created)
    if not created:
        aws.say(f"Using {spec.resource}, which an earlier deploy created.")
    return Role(spec.name, str(role["Arn"]), created)


def _attached(aws: Aws, spec: RoleSpec) -> set[str]:
    return set(_listed(aws, spec.name, "list_attached_role_policies", "AttachedPolicies"))


def _listed(aws: Aws, name: str, operation: str, key: str) -> list[str]:
    """The role's managed policies' ARNs (``list_attached_role_policies``) or its inline
    policies' names (``list_role_policies``), every page of them."""
    pages = aws.pages(
        "iam", operation, f"role {name!r}", marker=("Marker", "Marker"), RoleName=name
    )
    return [
        item if isinstance(item, str) else item["PolicyArn"] for page in pages for item in page[key]
    ]


def _put_inline_policy(aws: Aws, spec: RoleSpec, created: bool) -> None:
    assert spec.inline_policy is not None
    if not created:
        current = aws.missing(
            "iam",
            "get_role_policy",
            spec.resource,
            RoleName=spec.name,
            PolicyName=INLINE_POLICY_NAME,
        )
        if current is not None and current["PolicyDocument"] == spec.inline_policy:
            return
    aws.call(
        "iam",
        "put_role_policy",
        spec.resource,
        RoleName=spec.name,
        PolicyName=INLINE_POLICY_NAME,
        PolicyDocument=json.dumps(spec.inline_policy),
    )


def delete_role(aws: Aws, name: str) -> bool:
    """Remove the role ``name`` (its managed policies detached, its inline ones deleted
    first, as IAM requires); False when there is no such role."""
    resource = f"role {name!r}"
    if aws.missing("iam", "get_role", resource, RoleName=name) is None:
        return False
    for policy_arn in _listed(aws, name, "list_attached_role_policies", "AttachedPolicies"):
        aws.call("iam", "detach_role_policy", resource, RoleName=name, PolicyArn=policy_arn)
    for policy_name in _listed(aws, name, "list_role_policies", "PolicyNames"):
        aws.call("iam", "delete_role_policy", resource, RoleName=name, PolicyName=policy_name)
    aws.call("iam", "delete_role", resource, RoleName=name)
    return True
