"""What ``lambda_status`` shows: the deployed function's configuration, its alias and
versions, its URL, and its last 24 hours from CloudWatch metrics, as one plain dict."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from django_lambda.aws.clients import Aws
from django_lambda.aws.deployer import Deployer
from django_lambda.package import PACKAGE_NAME, code_sha256

# The metrics over the last day: Lambda's names, and the statistic each is read with.
# https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
METRICS = (
    ("invocations", "Invocations", "Sum"),
    ("errors", "Errors", "Sum"),
    ("throttles", "Throttles", "Sum"),
    ("p95_duration_ms", "Duration", "p95"),
)
METRICS_PERIOD = timedelta(hours=24)


def function_status(deployer: Deployer, *, build_dir: Path) -> dict[str, Any] | None:
    """The status of ``deployer``'s function, None when it does not exist. ``build_dir``'s
    package, when there is one, is compared with the deployed code."""
    configuration = deployer.configuration()
    if configuration is None:
        return None
    snapstart = configuration.get("SnapStart") or {}
    alias_version = deployer.alias_version()
    versions = deployer.versions.published()
    built = build_dir / PACKAGE_NAME
    local_build = None
    if built.is_file():
        local_sha = code_sha256(built)
        local_build = {
            "path": str(built),
            "code_sha256": local_sha,
            "deployed": local_sha == configuration.get("CodeSha256"),
        }
    return {
        "function": configuration["FunctionName"],
        "function_arn": configuration.get("FunctionArn"),
        "region": deployer.aws.region,
        "runtime": configuration.get("Runtime"),
        "architecture": (configuration.get("Architectures") or ["x86_64"])[0],
        "memory_size": configuration.get("MemorySize"),
        "timeout": configuration.get("Timeout"),
        "code_size": configuration.get("CodeSize"),
        "code_sha256": configuration.get("CodeSha256"),
        "local_build": local_build,
        "alias": None
        if alias_version is None
        else {"name": deployer.alias, "version": alias_version},
        "versions": [version["Version"] for version in versions],
        "url": deployer.expose(create=False) if alias_version is not None else None,
        "last_modified": configuration.get("LastModified"),
        "last_update_status": configuration.get("LastUpdateStatus"),
        "state": configuration.get("State"),
        "snapstart": {
            "apply_on": snapstart.get("ApplyOn", "None"),
            "optimization_status": snapstart.get("OptimizationStatus", "Off"),
        },
        "metrics": metrics(deployer.aws, configuration["FunctionName"]),
    }


def metrics(aws: Aws, function_name: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The function's invocations, errors, throttles and p95 duration over the last 24
    hours (over all its versions); None for each that has no data points."""
    end = now or datetime.now(timezone.utc)
    start = end - METRICS_PERIOD
    figures: dict[str, Any] = {"period_hours": int(METRICS_PERIOD.total_seconds() // 3600)}
    for key, name, statistic in METRICS:
        which = (
            {"ExtendedStatistics": [statistic]}
            if statistic.startswith("p")
            else {"Statistics": [statistic]}
        )
        answer = aws.call(
            "cloudwatch",
            "get_metric_statistics",
            f"metric {name!r} of function {function_name!r}",
            Namespace="AWS/Lambda",
            MetricName=name,
            Dimensions=[{"Name": "FunctionName", "Value": function_name}],
            StartTime=start,
            EndTime=end,
            Period=int(METRICS_PERIOD.total_seconds()),
            **which,
        )
        points = answer.get("Datapoints") or []
        if not points:
            figures[key] = None
        elif statistic == "Sum":
            figures[key] = int(sum(point["Sum"] for point in points))
        else:
            figures[key] = round(max(point["ExtendedStatistics"][statistic] for point in points), 2)
    return figures
