"""``lambda_undeploy``: remove what ``lambda_deploy`` created for the function, after the user
types its name (``--noinput`` skips the question). The steps are ``deploy.teardown``'s."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_lambda import aws, local
from django_lambda.configuration import DeployConfig
from django_lambda.deploy import teardown
from django_lambda.deploy.environment import FunctionEnvironmentError
from django_lambda.management.sandbox import SandboxCommandMixin, function_name_of


class Command(SandboxCommandMixin, BaseCommand):
    help = (
        "Remove what lambda_deploy created: the function with its versions, aliases, URL and "
        "permissions, the HTTP API, and the execution role it created. The static files' "
        "bucket is kept unless --delete-static-bucket."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask to type the function's name to confirm.",
        )
        parser.add_argument(
            "--delete-static-bucket",
            action="store_true",
            help="Also empty and delete the static files' bucket, if a deploy created it.",
        )
        parser.add_argument(
            "-n",
            "--dry-run",
            action="store_true",
            help="List what would be removed, and remove nothing.",
        )
        self.add_sandbox_arguments(parser)

    def run(
        self,
        config: DeployConfig,
        *,
        interactive: bool,
        delete_static_bucket: bool,
        dry_run: bool,
        **options: Any,
    ) -> None:
        name = function_name_of(config)
        run = teardown.Teardown(
            config, aws.Deployer(config), delete_static_bucket=delete_static_bucket
        )
        try:
            removals = teardown.plan(run)
        except (aws.DeployError, FunctionEnvironmentError, local.LocalRunError) as error:
            raise CommandError(str(error)) from None
        for kept in run.kept:
            self.stdout.write(kept)
        if not removals:
            self.stdout.write(f"Nothing to remove: no deploy of {name!r} is left.")
            return
        verb = "Would remove" if dry_run else "This removes"
        self.stdout.write(f"{verb}:")
        for removal in removals:
            self.stdout.write(f"  - {removal.what}")
        if dry_run:
            return
        if interactive:
            self.confirm(name)
        for removal in removals:
            try:
                removal.remove()
            except aws.DeployError as error:
                raise CommandError(
                    f"Removing {removal.what} failed: {error}\n"
                    "What came before it is removed; run lambda_undeploy again to go on."
                ) from None
            self.stdout.write(f"Removed {removal.what}.")
        self.stdout.write(self.style.SUCCESS(f"Undeployed {name!r}."))

    def confirm(self, name: str) -> None:
        answer = input(f"Type the function's name ({name}) to remove it: ")
        if answer.strip() != name:
            raise CommandError(f"{answer.strip()!r} is not {name!r}: nothing was removed.")
