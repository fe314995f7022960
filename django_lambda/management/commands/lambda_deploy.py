"""``manage.py lambda_deploy``: check, collectstatic, build, smoke test, upload, publish, route."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_lambda import aws, checks, function_env, local, package, smoke
from django_lambda.conf import SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.management.sandbox import SandboxCommandMixin
from django_lambda.package import versions
from django_lambda.sandbox import SandboxInfo, ensure_public_bucket

PREVIOUS = "previous"

# What a step reports as its failure, named after the step.
STEP_ERRORS = (
    aws.DeployError,
    package.BuildError,
    function_env.FunctionEnvironmentError,
    local.LocalRunError,
    smoke.SmokeTestError,
)


class Command(SandboxCommandMixin, BaseCommand):
    help = (
        "Deploy the project to AWS Lambda: run the checks and collect static files with the "
        "function's environment, build the package, start it here (the smoke test), upload "
        "it, publish a version and move the alias (traffic) to it."
    )
    # The checks are the first step, with the deploy-time ones added.
    requires_system_checks = ()
    # The package this run built, if it built one.
    built: package.BuildResult | None = None
    # The last quarter of an upload reported as a plain line (not on a terminal).
    reported_quarter = 0
    # The sandbox this run deploys to, if any.
    sandbox_info: SandboxInfo | None = None
    # What collectstatic did, if it ran.
    collected: function_env.Collected | None = None

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
        if self.built is not None and options["build_only"] is None:
            self.keep_deployed_package(info, config, self.built.zip_path)

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
        self.config = config
        self.verbosity = verbosity
        self.dry_run = dry_run
        self.build_only = build_only is not None
        self.deployer = aws.Deployer(config, say=self.detail)
        if rollback is not None and build_only is not None:
            raise CommandError("--rollback and --build-only cannot be combined.")
        if rollback is not None:
            self.run_rollback(None if rollback == PREVIOUS else rollback)
        elif build_only is not None:
            self.total = 4
            self.run_build(
                skip_static=skip_static, smoke_test=smoke_test, output=build_only or None
            )
        else:
            self.total = 7
            self.run_deploy(skip_static=skip_static, smoke_test=smoke_test)

    # -- output -----------------------------------------------------------

    def log(self, message: str, level: int = 1) -> None:
        if self.verbosity >= level:
            self.stdout.write(message)

    def detail(self, message: str) -> None:
        self.log(f"      {message}")

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

    @contextmanager
    def step(self, number: int, name: str) -> Iterator[None]:
        """Report a step with its timing; an AWS error becomes a CommandError naming it."""
        label = f"[{number}/{self.total}] {name}"
        self.log(f"{label} ...")
        started = time.monotonic()
        try:
            yield
        except STEP_ERRORS as exc:
            raise CommandError(f"{label} failed: {exc}") from exc
        self.log(self.style.SUCCESS(f"{label} ... {time.monotonic() - started:.1f}s"))

    # -- steps ------------------------------------------------------------

    def run_checks(self) -> None:
        with self.step(1, "check"):
            # What the deploy itself reads from the settings, checked here.
            messages = checks.check_deploy_configuration()
            errors = [message for message in messages if message.is_serious()]
            if errors:
                raise CommandError(
                    "Fix these settings before deploying:\n" + "\n".join(map(_format, errors))
                )
            for message in messages:
                self.stderr.write(_format(message), style_func=self.style.WARNING)
            # Everything else judges the settings the function runs with.
            self.environment = function_env.FunctionEnvironment.from_config(self.config)
            self.detail(f"With {self.environment.describe()}.")
            passed, output = function_env.run_checks(self.environment, verbosity=self.verbosity)
            if not passed:
                raise CommandError(
                    f"[1/{self.total}] check failed with the function's environment:\n{output}"
                )
            if output.strip():
                self.stderr.write(output.rstrip("\n"))

    def run_collectstatic(self, *, skip_static: bool, uploads: bool) -> None:
        with self.step(2, "collectstatic"):
            if skip_static:
                self.detail("Skipped (--skip-static).")
                return
            if self.dry_run:
                self.detail("Pretending to run collectstatic with the function's environment.")
                return
            self.detail("With the function's environment, as the checks.")
            staging = function_env.static_staging(self.config)
            collected = function_env.collect_static(
                self.environment,
                staging=staging,
                uploads=uploads,
                verbosity=max(self.verbosity - 1, 0),
            )
            self.collected = collected
            for line in collected.output.splitlines():
                self.detail(line)
            if collected.how == function_env.STAGED:
                self.detail(
                    f"Collected into {staging}; "
                    + ("the upload step sends them to the bucket." if uploads else "no upload.")
                )
            elif collected.reason:
                self.detail(f"Static files not collected: {collected.reason}.")

    def run_build(
        self, *, skip_static: bool, smoke_test: bool, output: str | None = None
    ) -> package.BuildResult | None:
        self.run_checks()
        self.run_collectstatic(skip_static=skip_static, uploads=not self.build_only)
        with self.step(3, "build"):
            if self.dry_run:
                self.detail(f"Pretending to build the package in {self.config.build_dir}.")
                result = None
            else:
                # Looked up on the module at call time, so tests can replace it.
                result = package.build_package(
                    self.config, output=Path(output) if output else None, say=self.detail
                )
                self.detail(f"CodeSha256 {result.sha256}")
                versions.check_build(result, project_dir=self.config.project_dir, say=self.detail)
                self.built = result
        self.run_smoke_test(result, enabled=smoke_test)
        return result

    def run_smoke_test(self, result: package.BuildResult | None, *, enabled: bool) -> None:
        with self.step(4, "smoke test"):
            if not enabled:
                self.detail("Skipped (--no-smoke-test).")
                return
            if result is None:
                self.detail("Pretending to start the package here and send it a warm-up event.")
                return
            config = self.config
            collected = self.collected
            compared = None
            # A remote storage (not StaticStorage) reads its manifest from the bucket,
            # with the credentials the function's role gives it on Lambda only.
            if collected is not None and collected.how in (function_env.STAGED, function_env.LOCAL):
                compared = collected.configuration
            try:
                outcome = smoke.smoke_test(
                    result.zip_path, config, collected=compared, say=self.detail
                )
            except smoke.SmokeTestError as error:
                if self.build_only:
                    raise
                raise smoke.SmokeTestError(f"{error}\nNothing was uploaded.") from None
            if outcome.skipped:
                self.log(
                    self.style.WARNING(
                        f"      Skipped: {outcome.skipped}. Run the deploy on {config.runtime} "
                        f"and {config.architecture} to test the package before it ships, "
                        "or pass --no-smoke-test."
                    )
                )
            elif outcome.static is not None:
                self.detail(
                    "The package's static files storage is the one collectstatic used "
                    f"({outcome.static['backend']})."
                )

    def run_deploy(self, *, skip_static: bool, smoke_test: bool) -> None:
        result = self.run_build(skip_static=skip_static, smoke_test=smoke_test)
        if result is None:
            self.pretend_aws_steps()
            return
        deployer = self.deployer
        with self.step(5, "upload"):
            self.upload_static()
            deployment = deployer.upload(result, progress=self.progress)
        with self.step(6, "publish"):
            deployer.publish(deployment)
        with self.step(7, "route"):
            deployer.route(deployment)
        self.report(deployment)

    def upload_static(self) -> None:
        """Send the files collectstatic staged to the bucket the function reads them from."""
        collected = self.collected
        if collected is None or collected.staging is None:
            return
        bucket = (collected.configuration or {}).get("bucket_name")
        if self.sandbox_info is not None and bucket:
            # The sandbox has whatever bucket the function's settings name.
            ensure_public_bucket(self.sandbox_info, bucket)
        uploaded = function_env.upload_static(self.environment, collected)
        self.detail(
            f"Static files: uploaded {len(uploaded['uploaded'])} to "
            f"{uploaded['destination']}, {len(uploaded['present'])} already there."
        )

    def pretend_aws_steps(self) -> None:
        """The dry run's upload, publish and route: read what exists, write nothing."""
        deployer = self.deployer
        name = deployer.function_name
        with self.step(5, "upload"):
            deployed = deployer.configuration()
            if deployed is None:
                self.detail(f"Pretending to create function {name!r}.")
            else:
                self.detail(
                    f"Pretending to update function {name!r}: its configuration where it "
                    "changed, its code unless CodeSha256 is unchanged."
                )
        with self.step(6, "publish"):
            self.detail(f"Pretending to publish a new version of {name!r}.")
        with self.step(7, "route"):
            current = None if deployed is None else deployer.alias_version()
            where = f" (now on version {current})" if current else ""
            self.detail(f"Pretending to move alias {deployer.alias!r}{where} to it.")
            url = None if deployed is None else deployer.expose(create=False)
            if url:
                self.detail(f"URL: {url}")
            elif self.config.http:
                self.detail(f"Pretending to create the {self.config.http} on the alias.")

    def report(self, deployment: aws.Deployment) -> None:
        alias = self.deployer.alias
        done = [
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
        self.log(
            self.style.SUCCESS(
                f"Deployed {self.deployer.function_name!r} ({summary}): {alias!r} {moved}."
            )
        )
        if deployment.url:
            self.log(f"URL: {deployment.url}")

    def run_rollback(self, version: str | None) -> None:
        self.total = 1
        with self.step(1, "rollback"):
            if self.dry_run:
                current = self.deployer.alias_version()
                if current is None:
                    raise CommandError(f"There is no alias {self.deployer.alias!r} to roll back.")
                target = version or "the previous version"
                self.detail(
                    f"Pretending to move alias {self.deployer.alias!r} from version "
                    f"{current} to {target}."
                )
                return
            old, new = self.deployer.rollback(version)
            url = self.deployer.expose(create=False)
        name, alias = self.deployer.function_name, self.deployer.alias
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
        if url:
            self.log(f"URL: {url}")


def _format(message: CheckMessage) -> str:
    return f"{message.id}: {message.msg}\n\tHINT: {message.hint}"
