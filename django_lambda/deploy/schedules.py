"""The part of the route step for events that are not requests: the schedules (SCHEDULE,
KEEP_WARM) that invoke the alias, and Lambda's handling of the alias's asynchronous
invocations (the tasks' retries and failure destination).

A schedule's input is the event the function runs: a scheduled command's is
proved under the function's key (``remote.scheduled_event``), so the schedules
are made after the upload, which gives the function its key.
"""

from __future__ import annotations

import json
from typing import Any

from django_lambda import aws, remote
from django_lambda.aws.errors import ACCESS_DENIED_CODES
from django_lambda.aws.function import function_key
from django_lambda.aws.schedules import (
    KEEP_WARM_NAME,
    NOT_OWNED,
    Schedule,
    apply_async_settings,
    sync_schedules,
)
from django_lambda.configuration import DeployConfig
from django_lambda.progress import Say

# The warm-up event the handler answers without running a request.
WARMUP_EVENT = {"warmup": True}


def wanted_schedules(config: DeployConfig, key: str) -> list[Schedule]:
    """The schedules the settings ask for, their inputs proved with ``key``."""
    wanted = [
        Schedule(
            name=entry.name,
            expression=entry.expression,
            timezone=entry.timezone,
            input=json.dumps(remote.scheduled_event(entry.name, entry.command, key)),
            description=f"manage.py {entry.command}",
        )
        for entry in config.schedule
    ]
    if config.keep_warm:
        wanted.append(
            Schedule(
                name=KEEP_WARM_NAME,
                expression=config.keep_warm,
                timezone=None,
                input=json.dumps(WARMUP_EVENT),
                description="the warm-up event (KEEP_WARM)",
            )
        )
    return wanted


def route_events(
    deployer: aws.Deployer, config: DeployConfig, say: Say, *, dry_run: bool = False
) -> None:
    """Bring the schedules and the asynchronous invocation settings of the alias up to
    date with the settings (in a dry run, say what would change)."""
    function: dict[str, Any] = {}
    wanted: list[Schedule] = []
    if config.schedule or config.keep_warm:
        found = deployer.configuration()
        if found is None:
            # A dry run of a first deploy: nothing to read, everything to create.
            for schedule in wanted_schedules(config, key=""):
                say(f"Pretending to create schedule {schedule.name!r}: {schedule.expression}.")
            return
        function = found
        wanted = wanted_schedules(config, function_key(function))
    function_arn = function.get("FunctionArn", "")
    try:
        sync_schedules(
            deployer.aws,
            config,
            wanted,
            target_arn=f"{function_arn}:{deployer.alias}",
            function_arn=function_arn,
            dry_run=dry_run,
        )
    except aws.DeployError as exc:
        # A deploy that wants no schedules only looks for old ones to remove: an identity
        # without access to EventBridge Scheduler, or a group of the same name that is
        # someone else's, must not stop it.
        if wanted:
            raise
        if exc.code in ACCESS_DENIED_CODES:
            say(f"Could not look for schedules left from an earlier deploy ({exc.code}).")
        elif exc.code == NOT_OWNED:
            say(f"Left schedule group {config.function_name!r} alone: no deploy created it.")
        else:
            raise
    apply_async_settings(deployer.aws, config, deployer.alias, dry_run=dry_run)
