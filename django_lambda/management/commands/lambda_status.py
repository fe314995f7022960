"""``lambda_status``: the deployed function on one screen (``--json`` for scripts)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_lambda import aws
from django_lambda.aws.status import function_status
from django_lambda.conf import SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.management.sandbox import SandboxCommandMixin, function_name_of


class Command(SandboxCommandMixin, BaseCommand):
    help = (
        "Show the deployed function: its configuration, code, alias, versions, URL, last "
        "update, SnapStart, and its invocations, errors, throttles and p95 duration over the "
        "last 24 hours."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print it as JSON, for scripts."
        )
        self.add_sandbox_arguments(parser)

    def run(self, config: DeployConfig, *, as_json: bool, **options: Any) -> None:
        name = function_name_of(config)
        try:
            status = function_status(aws.Deployer(config), build_dir=config.build_dir)
        except aws.DeployError as error:
            raise CommandError(str(error)) from None
        if status is None:
            raise CommandError(
                f"Function {name!r} does not exist in {config.region or 'the default region'}. "
                f"Deploy it with `manage.py lambda_deploy`, or check {SETTING_NAME}['REGION']."
            )
        if as_json:
            self.stdout.write(json.dumps(status, indent=2))
            return
        for label, value in lines(status):
            # Padded before styling, so that colour codes do not count.
            self.stdout.write(f"{self.style.MIGRATE_LABEL(f'{label}:'.ljust(16))} {value}")


def lines(status: dict[str, Any]) -> list[tuple[str, str]]:
    """``status`` as (label, value) lines for a terminal."""
    alias, build, snapstart = status["alias"], status["local_build"], status["snapstart"]
    code = f"{status['code_size']} bytes, CodeSha256 {status['code_sha256']}"
    if build is not None:
        code += " (the local build's)" if build["deployed"] else " (the local build differs)"
    versions = status["versions"]
    figures = status["metrics"]

    def figure(key: str, unit: str = "") -> str:
        return "no data" if figures[key] is None else f"{figures[key]}{unit}"

    return [
        ("Function", f"{status['function']} ({status['region'] or 'default region'})"),
        ("Runtime", f"{status['runtime']} on {status['architecture']}"),
        ("Memory, timeout", f"{status['memory_size']} MB, {status['timeout']} s"),
        ("Code", code),
        ("Alias", f"{alias['name']} -> version {alias['version']}" if alias else "none"),
        ("Versions", ", ".join(versions) if versions else "none published"),
        ("URL", status["url"] or "none"),
        ("Last update", f"{status['last_modified']} ({status['last_update_status']})"),
        ("SnapStart", f"{snapstart['apply_on']} ({snapstart['optimization_status']})"),
        (
            f"Last {figures['period_hours']} hours",
            f"invocations: {figure('invocations')}, errors: {figure('errors')}, "
            f"throttles: {figure('throttles')}, p95 duration: {figure('p95_duration_ms', ' ms')}",
        ),
    ]
