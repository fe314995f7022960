"""``manage.py lambda_deploy``: check, collectstatic, build, smoke test, upload, publish, route."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_lambda import aws, package
from django_lambda.conf import SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.deploy.pipeline import STEP_ERRORS, Pipeline, Step, StepFailed
from django_lambda.management.sandbox import SandboxCommandMixin
from django_lambda.sandbox import SandboxInfo

PREVIOUS = "previous"


class Command(SandboxCommandMixin, BaseCommand):
    help = (
        "Deploy the project to AWS Lambda: run the checks and collect static files with the "
        "function's environment, build the package, start it here (the smoke test), upload "
        "it, publish a version and move the alias (traffic) to it."
    )
    # The checks are the first step, with the deploy-time ones added.
    requires_system_checks = ()
    # The last quarter of an upload reported as a plain line (not on a terminal).
    reported_quarter = 0
    # The sandbox this run deploys to, if any.
    sandbox_info: SandboxInfo | None = None
    # This run's steps and what they did.
    pipeline: Pipeline

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-n",
            "--dry-run",
            action="store_true",
            help="Print what each step would do; build nothing, change nothing on AWS.",
        )
        parser.add_argument(
            "--skip-static",
            action="store_true",
            help="Do not run collectstatic.",
        )
        parser.add_argument(
            "--no-smoke-test",
            action="store_false",
            dest="smoke_test",
            help="Do not start the built package here before uploading it.",
        )
        parser.add_argument(
            "--build-only",
            nargs="?",
            const="",
            default=None,
            metavar="PATH",
            help="Stop after building (and smoke-testing) the zip; write it to PATH if given. "
            "Needs no AWS.",
        )
        parser.add_argument(
            "--rollback",
            nargs="?",
            const=PREVIOUS,
            default=None,
            metavar="VERSION",
            help=(
                "Move the alias back to the previous published version, or to VERSION. "
                "Uploads nothing."
            ),
        )
        self.add_sandbox_arguments(parser)

    def start_sandbox(self, config: DeployConfig) -> SandboxInfo:
        info = super().start_sandbox(config)
        role = config.role_arn
        if role and role != info.role_arn:
            self.stderr.write(
                f"Sandbox: the function runs as the sandbox's own role {info.role_arn}, not "
                f"as {SETTING_NAME}['ROLE_ARN'] ({role}), a role of an AWS account the sandbox "
                "does not have.",
                style_func=self.style.NOTICE,
            )
        return info

    def run_in_sandbox(self, info: SandboxInfo, config: DeployConfig, **options: Any) -> None:
        self.sandbox_info = info
        self.run(config, **options)
        built = self.pipeline.built
        if built is not None and options["build_only"] is None:
            self.keep_deployed_package(info, config, built.zip_path)

    def run(
        self,
        config: DeployConfig,
        *,
        dry_run: bool,
        skip_static: bool,
        smoke_test: bool,
        build_only: str | None,
        rollback: str | None,
        verbosity: int,
        **options: Any,
    ) -> None:
        self.verbosity = verbosity
        if rollback is not None and build_only is not None:
            raise CommandError("--rollback and --build-only cannot be combined.")
        self.pipeline = pipeline = Pipeline(
            config,
            self,
            verbosity=verbosity,
            dry_run=dry_run,
            skip_static=skip_static,
            smoke_test=smoke_test,
            build_only=build_only is not None,
            output=Path(build_only) if build_only else None,
            sandbox=self.sandbox_info,
        )
        if rollback is not None:
            self.run_steps(pipeline.rollback_steps(None if rollback == PREVIOUS else rollback))
            self.report_rollback()
            return
        self.run_steps(pipeline.steps())
        if pipeline.deployment is not None:
            self.report(pipeline.deployment)

    def run_steps(self, steps: Sequence[Step]) -> None:
        """Run ``steps`` in order, each reported with its timing; a step's failure
        becomes a CommandError naming it."""
        for number, step in enumerate(steps, 1):
            label = f"[{number}/{len(steps)}] {step.name}"
            self.log(f"{label} ...")
            started = time.monotonic()
            try:
                step.run()
            except StepFailed as exc:
                raise CommandError(f"{label} failed {exc}") from exc
            except STEP_ERRORS as exc:
                raise CommandError(f"{label} failed: {exc}") from exc
            self.log(self.style.SUCCESS(f"{label} ... {time.monotonic() - started:.1f}s"))

    # -- output (pipeline.Report) -------------------------------------------------

    def log(self, message: str, level: int = 1) -> None:
        if self.verbosity >= level:
            self.stdout.write(message)

    def detail(self, message: str) -> None:
        self.log(f"      {message}")

    def caution(self, message: str) -> None:
        self.log(self.style.WARNING(f"      {message}"))

    def warning(self, message: str) -> None:
        self.stderr.write(message, style_func=self.style.WARNING)

    def diagnostics(self, text: str) -> None:
        self.stderr.write(text)

    def progress(self, sent: int, total: int) -> None:
        """The upload's progress: a bar redrawn in place on a terminal; elsewhere (a pipe,
        a CI log) a plain line at each quarter, as a log keeps every write."""
        if self.verbosity < 1:
            return
        percent = 100 * sent // total if total else 100
        if self.stdout.isatty():
            width = 30
            filled = width * sent // total if total else width
            bar = "#" * filled + "-" * (width - filled)
            ending = "\n" if sent >= total else ""
            self.stdout.write(f"\r      [{bar}] {percent:3d}%", ending=ending)
            self.stdout.flush()
            return
        quarter = percent // 25
        if quarter > self.reported_quarter:
            self.reported_quarter = quarter
            self.detail(
                f"Uploaded {package.format_size(sent)} of {package.format_size(total)} "
                f"({percent}%)."
            )

    def report(self, deployment: aws.Deployment) -> None:
        deployer = self.pipeline.deployer
        name, alias = deployer.function_name, deployer.alias
        done = [
            f"created role {deployment.created_role!r}" if deployment.created_role else "",
            f"created bucket {deployment.created_bucket!r}" if deployment.created_bucket else "",
            "created the function" if deployment.created else "",
            "uploaded the code" if deployment.code_uploaded and not deployment.created else "",
            "updated " + ", ".join(deployment.changed_settings)
            if deployment.changed_settings
            else "",
            f"published version {deployment.version}" if deployment.published else "",
        ]
        if deployment.previous_version and deployment.previous_version != deployment.version:
            moved = f"moved from version {deployment.previous_version} to {deployment.version}"
        else:
            moved = f"on version {deployment.version}"
        summary = "; ".join(part for part in done if part) or "nothing changed"
        self.log(self.style.SUCCESS(f"Deployed {name!r} ({summary}): {alias!r} {moved}."))
        if deployment.url:
            self.log(f"URL: {deployment.url}")

    def report_rollback(self) -> None:
        if self.pipeline.rolled_back is None:  # a dry run
            return
        old, new = self.pipeline.rolled_back
        deployer = self.pipeline.deployer
        name, alias = deployer.function_name, deployer.alias
        if int(new) < int(old):
            done = f"Rolled back {name!r}: {alias!r} moved from version {old} to {new}."
        elif int(new) > int(old):
            # --rollback VERSION can name a later version than the alias is on.
            done = (
                f"Rolled forward {name!r}: {alias!r} moved forward from version {old} to "
                f"{new}, a later version than it was on."
            )
        else:
            done = f"{alias!r} of {name!r} was already on version {new}: nothing moved."
        self.log(self.style.SUCCESS(done))
        if self.pipeline.url:
            self.log(f"URL: {self.pipeline.url}")
