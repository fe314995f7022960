"""EventBridge Scheduler's schedules for the function: one per SCHEDULE entry and one for
KEEP_WARM, in a schedule group named after the function, each invoking the alias.

The group carries the ownership tag (``ownership``): the schedules in it are
the deploy's own, so ``sync_schedules`` creates, updates and deletes them to
match the settings, and ``remove_schedules`` removes them with the group. A
group of that name that no deploy of the function created is never touched.
Scheduler invokes the function with a role of its own (``scheduler_role``),
created as the execution role is unless ``SCHEDULER_ROLE_ARN`` names one.
https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django_lambda.aws.clients import Aws
from django_lambda.aws.errors import DeployError
from django_lambda.aws.ownership import OWNER_TAG, owner, owner_tags, tag_list
from django_lambda.aws.roles import RoleSpec, ensure_role, find_role, role_name
from django_lambda.conf import SETTING_NAME
from django_lambda.configuration import DeployConfig

SCHEDULER_ROLE_SUFFIX = "-scheduler"
# The warm-up schedule's name; a SCHEDULE entry may not take it (django_lambda.E158).
KEEP_WARM_NAME = "keep-warm"
# The error code of a schedule group of the function's name that no deploy created.
NOT_OWNED = "ScheduleGroupNotOwned"


@dataclass(frozen=True)
class Schedule:
    """A schedule as the settings want it: its name in the group, when, and its input."""

    name: str
    expression: str
    timezone: str | None
    # The event the function gets, as JSON text (Scheduler's Target.Input).
    input: str
    description: str


@dataclass
class Changes:
    """What ``sync_schedules`` did (or, in a dry run, would do), by schedule name."""

    created: list[str]
    updated: list[str]
    deleted: list[str]
    unchanged: list[str]


def scheduler_role(config: DeployConfig, function_arn: str) -> RoleSpec:
    """The role lambda_deploy creates for Scheduler when SCHEDULER_ROLE_ARN is unset: it may
    invoke the function (any alias or version of it), nothing else."""
    function_name = config.function_name or ""
    return RoleSpec(
        name=role_name(function_name, SCHEDULER_ROLE_SUFFIX),
        service="scheduler.amazonaws.com",
        function_name=function_name,
        inline_policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "lambda:InvokeFunction",
                    "Resource": [function_arn, f"{function_arn}:*"],
                }
            ],
        },
        description=f"EventBridge Scheduler's role for the Lambda function {function_name} "
        "(django-lambda)",
        tags=config.tags,
        instead=f"set {SETTING_NAME}['SCHEDULER_ROLE_ARN'] to a role of your own that "
        "scheduler.amazonaws.com may assume and that may invoke the function",
    )


def role_not_assumable_yet(code: str, message: str) -> bool:
    """Scheduler's error for a role IAM has not propagated yet (a ``RetryIf``)."""
    return code == "ValidationException" and "assume" in message.lower()


class Schedules:
    """The schedule group of ``function_name`` and the schedules in it."""

    def __init__(self, aws: Aws, function_name: str) -> None:
        self.aws = aws
        self.say = aws.say
        self.group = function_name
        self.function_name = function_name

    @property
    def resource(self) -> str:
        return f"schedule group {self.group!r}"

    def existing(self) -> dict[str, dict[str, Any]] | None:
        """The group's schedules by name (GetSchedule's answers); None when there is no group.
        A DeployError when the group exists and no deploy of the function created it."""
        group = self.aws.missing("scheduler", "get_schedule_group", self.resource, Name=self.group)
        if group is None:
            return None
        tags = self.aws.call(
            "scheduler", "list_tags_for_resource", self.resource, ResourceArn=group["Arn"]
        )["Tags"]
        if owner(tags) != self.function_name:
            raise DeployError(
                f"{self.resource} exists, and no deploy of function {self.function_name!r} "
                f"created it (it lacks the tag {OWNER_TAG}={self.function_name}), so "
                "django-lambda leaves its schedules alone.\n"
                f"Hint: delete that group, or tag it {OWNER_TAG}={self.function_name} to let "
                "lambda_deploy manage its schedules.",
                code=NOT_OWNED,
            )
        pages = self.aws.pages(
            "scheduler",
            "list_schedules",
            self.resource,
            marker=("NextToken", "NextToken"),
            GroupName=self.group,
        )
        names = [s["Name"] for page in pages for s in page["Schedules"]]
        return {
            name: self.aws.call(
                "scheduler", "get_schedule", self.resource, Name=name, GroupName=self.group
            )
            for name in names
        }

    def ensure_group(self, tags: dict[str, str]) -> None:
        self.aws.call(
            "scheduler",
            "create_schedule_group",
            self.resource,
            Name=self.group,
            Tags=tag_list(owner_tags(self.function_name, tags)),
        )
        self.say(f"Created {self.resource}.")

    def definition(self, schedule: Schedule, target_arn: str, role_arn: str) -> dict[str, Any]:
        """CreateSchedule's and UpdateSchedule's arguments for ``schedule``."""
        arguments: dict[str, Any] = {
            "Name": schedule.name,
            "GroupName": self.group,
            "ScheduleExpression": schedule.expression,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": "ENABLED",
            "Description": schedule.description,
            "Target": {"Arn": target_arn, "RoleArn": role_arn, "Input": schedule.input},
        }
        if schedule.timezone:
            arguments["ScheduleExpressionTimezone"] = schedule.timezone
        return arguments

    def put(self, operation: str, arguments: dict[str, Any]) -> None:
        resource = f"schedule {arguments['Name']!r} in {self.resource}"
        self.aws.call_retrying(
            role_not_assumable_yet, "scheduler", operation, resource, **arguments
        )

    def delete(self, name: str) -> None:
        resource = f"schedule {name!r} in {self.resource}"
        self.aws.call("scheduler", "delete_schedule", resource, Name=name, GroupName=self.group)


def differs(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether the schedule AWS has (GetSchedule) is not the one ``wanted`` describes."""
    target = current.get("Target") or {}
    return bool(
        current.get("ScheduleExpression") != wanted["ScheduleExpression"]
        or current.get("ScheduleExpressionTimezone", "UTC")
        != wanted.get("ScheduleExpressionTimezone", "UTC")
        or current.get("State", "ENABLED") != "ENABLED"
        or current.get("Description", "") != wanted["Description"]
        or target.get("Arn") != wanted["Target"]["Arn"]
        or target.get("RoleArn") != wanted["Target"]["RoleArn"]
        or target.get("Input") != wanted["Target"]["Input"]
    )


def sync_schedules(
    aws: Aws,
    config: DeployConfig,
    wanted: list[Schedule],
    *,
    target_arn: str,
    function_arn: str,
    dry_run: bool = False,
) -> Changes:
    """Make the function's schedules the ``wanted`` ones, invoking ``target_arn`` (the
    alias); report each change with ``aws.say`` (as "Pretending to ..." in a dry run)."""
    schedules = Schedules(aws, config.function_name or "")
    existing = schedules.existing()
    have = existing or {}
    changes = Changes([], [], [], [])
    role_arn = _role_arn(aws, config, function_arn, dry_run) if wanted else ""
    if wanted and existing is None:
        if dry_run:
            aws.say(f"Pretending to create {schedules.resource}.")
        else:
            schedules.ensure_group(dict(config.tags))

    def report(done: str, what: str) -> None:
        aws.say(f"Pretending to {done[:-1].lower()} {what}." if dry_run else f"{done} {what}.")

    for schedule in wanted:
        arguments = schedules.definition(schedule, target_arn, role_arn)
        when = schedule.expression + (f" ({schedule.timezone})" if schedule.timezone else "")
        what = f"schedule {schedule.name!r}: {when}, {schedule.description}"
        if schedule.name not in have:
            changes.created.append(schedule.name)
            report("Created", what)
            if not dry_run:
                schedules.put("create_schedule", arguments)
        elif differs(have[schedule.name], arguments):
            changes.updated.append(schedule.name)
            report("Updated", what)
            if not dry_run:
                schedules.put("update_schedule", arguments)
        else:
            changes.unchanged.append(schedule.name)
    for name in sorted(set(have) - {schedule.name for schedule in wanted}):
        changes.deleted.append(name)
        report("Deleted", f"schedule {name!r}, which {SETTING_NAME} no longer names")
        if not dry_run:
            schedules.delete(name)
    return changes


def _role_arn(aws: Aws, config: DeployConfig, function_arn: str, dry_run: bool) -> str:
    if config.scheduler_role_arn:
        return config.scheduler_role_arn
    spec = scheduler_role(config, function_arn)
    if dry_run:
        found = find_role(aws, spec)
        if found is None:
            aws.say(f"Pretending to create {spec.resource}, {spec.describe()}.")
            return ""
        return str(found["Arn"])
    return ensure_role(aws, spec).arn


def remove_schedules(aws: Aws, function_name: str) -> list[str]:
    """Delete the function's schedules and their group, if a deploy of it created them;
    returns the names of the schedules deleted. Nothing to remove is not an error."""
    schedules = Schedules(aws, function_name)
    existing = schedules.existing()
    if existing is None:
        return []
    for name in sorted(existing):
        schedules.delete(name)
    aws.call("scheduler", "delete_schedule_group", schedules.resource, Name=schedules.group)
    aws.say(f"Deleted {schedules.resource} and its {len(existing)} schedule(s).")
    return sorted(existing)


def apply_async_settings(aws: Aws, config: DeployConfig, alias: str, *, dry_run: bool) -> bool:
    """Lambda's handling of the alias's asynchronous invocations (the tasks): the retries
    (TASK_RETRIES) and the on-failure destination (TASK_FAILURE_DESTINATION). Neither set:
    left as it is. Returns whether anything changed."""
    if config.task_retries is None and config.task_failure_destination is None:
        return False
    name = config.function_name or ""
    resource = f"alias {alias!r} of function {name!r}"
    wanted: dict[str, Any] = {}
    if config.task_retries is not None:
        wanted["MaximumRetryAttempts"] = config.task_retries
    destination = (
        {"OnFailure": {"Destination": config.task_failure_destination}}
        if config.task_failure_destination
        else {}
    )
    current = aws.missing(
        "lambda", "get_function_event_invoke_config", resource, FunctionName=name, Qualifier=alias
    )
    if current is not None:
        same_retries = current.get("MaximumRetryAttempts") == wanted.get(
            "MaximumRetryAttempts", current.get("MaximumRetryAttempts")
        )
        on_failure = ((current.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        if same_retries and on_failure == config.task_failure_destination:
            return False
    said = ", ".join(
        [f"{config.task_retries} retries"] * (config.task_retries is not None)
        + [f"failures to {config.task_failure_destination}"] * bool(destination)
    )
    if dry_run:
        aws.say(f"Pretending to set the asynchronous invocations of {resource}: {said}.")
        return True
    aws.call(
        "lambda",
        "put_function_event_invoke_config",
        resource,
        FunctionName=name,
        Qualifier=alias,
        DestinationConfig=destination,
        **wanted,
    )
    aws.say(f"Set the asynchronous invocations of {resource}: {said}.")
    return True
