"""``manage.py lambda_deploy``: check, collectstatic, build, upload, publish, route traffic."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_lambda import aws, build, checks
from django_lambda.conf import lambda_settings
from django_lambda.management.sandbox import SandboxCommandMixin
from django_lambda.sandbox import SandboxInfo

PREVIOUS = "previous"


class Command(SandboxCommandMixin, BaseCommand):
    help = (
        "Deploy the project to AWS Lambda: run the checks, collect static files, build "
        "the package, upload it, publish a version and move the alias (traffic) to it."
    )
    # The checks are the first step, with the deploy-time ones added.
    requires_system_checks = ()
    # The package this run built, if it built one.
    built: build.BuildResult | None = None
    # The last quarter of an upload reported as a plain line (not on a terminal).
    reported_quarter = 0

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
            "--build-only",
            nargs="?",
            const="",
            default=None,
            metavar="PATH",
            help="Stop after building the zip; write it to PATH if given.",
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

    def start_sandbox(self) -> SandboxInfo:
        info = super().start_sandbox()
        role = lambda_settings.ROLE_ARN
        if role and role != info.role_arn:
            self.stderr.write(
                f"Sandbox: the function runs as the sandbox's own role {info.role_arn}, not "
                f"as DJANGO_LAMBDA['ROLE_ARN'] ({role}), a role of an AWS account the sandbox "
                "does not have.",
                style_func=self.style.NOTICE,
            )
        return info

    def run_in_sandbox(self, info: SandboxInfo, **options: Any) -> None:
        self.run(**options)
        if self.built is not None and options["build_only"] is None:
            self.keep_deployed_package(info, self.built.zip_path)

    def run(
        self,
        *,
        dry_run: bool,
        skip_static: bool,
        build_only: str | None,
        rollback: str | None,
        verbosity: int,
        **options: Any,
    ) -> None:
        self.verbosity = verbosity
        self.dry_run = dry_run
        self.deployer = aws.Deployer(log=self.detail)
        if rollback is not None and build_only is not None:
            raise CommandError("--rollback and --build-only cannot be combined.")
        if rollback is not None:
            self.run_rollback(None if rollback == PREVIOUS else rollback)
        elif build_only is not None:
            self.total = 3
            self.run_build(skip_static=skip_static, output=build_only or None)
        else:
            self.total = 6
            self.run_deploy(skip_static=skip_static)

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
                f"Uploaded {build.format_size(sent)} of {build.format_size(total)} ({percent}%)."
            )

    @contextmanager
    def step(self, number: int, name: str) -> Iterator[None]:
        """Report a step with its timing; an AWS error becomes a CommandError naming it."""
        label = f"[{number}/{self.total}] {name}"
        self.log(f"{label} ...")
        started = time.monotonic()
        try:
            yield
        except (aws.DeployError, build.BuildError) as exc:
            raise CommandError(f"{label} failed: {exc}") from exc
        self.log(self.style.SUCCESS(f"{label} ... {time.monotonic() - started:.1f}s"))

    # -- steps ------------------------------------------------------------

    def run_checks(self) -> None:
        with self.step(1, "check"):
            # Raises SystemCheckError (a CommandError) on any error; warnings only print.
            self.check(display_num_errors=self.verbosity >= 2, include_deployment_checks=True)
            errors = [e for e in checks.check_deploy_settings() if e.is_serious()]
            if errors:
                raise CommandError(
                    "Fix these settings before deploying:\n"
                    + "\n".join(f"{e.id}: {e.msg}\n\tHINT: {e.hint}" for e in errors)
                )

    def run_collectstatic(self, *, skip_static: bool) -> None:
        with self.step(2, "collectstatic"):
            if skip_static:
                self.detail("Skipped (--skip-static).")
            elif self.dry_run:
                self.detail("Pretending to run collectstatic.")
            else:
                try:
                    call_command(
                        "collectstatic",
                        interactive=False,
                        verbosity=max(self.verbosity - 1, 0),
                    )
                except (CommandError, ImproperlyConfigured) as exc:
                    raise CommandError(
                        f"[2/{self.total}] collectstatic failed: {exc}\n"
                        "Hint: configure STATIC_ROOT or STORAGES['staticfiles'] "
                        "(django_lambda.storage.StaticStorage), or pass --skip-static."
                    ) from exc
                except (BotoCoreError, ClientError) as exc:
                    # The static storage talks to S3 itself: no credentials, a
                    # missing bucket or a denied upload surface here.
                    raise aws.explain(
                        exc, operation="uploading static files", resource=self.static_bucket()
                    ) from exc

    def static_bucket(self) -> str:
        from django.contrib.staticfiles.storage import staticfiles_storage

        bucket = getattr(staticfiles_storage, "bucket_name", None)
        return f"bucket {bucket!r}" if bucket else "the static files storage"

    def run_build(
        self, *, skip_static: bool, output: str | None = None
    ) -> build.BuildResult | None:
        self.run_checks()
        self.run_collectstatic(skip_static=skip_static)
        with self.step(3, "build"):
            if self.dry_run:
                self.detail(f"Pretending to build the package in {lambda_settings.build_dir}.")
                return None
            # Looked up on the module at call time, so tests can replace it.
            result = build.build_package(output=Path(output) if output else None, log=self.detail)
            self.built = result
            self.detail(f"CodeSha256 {result.sha256}")
        return result

    def run_deploy(self, *, skip_static: bool) -> None:
        result = self.run_build(skip_static=skip_static)
        if result is None:
            self.pretend_aws_steps()
            return
        deployer = self.deployer
        with self.step(4, "upload"):
            deployment = deployer.upload(result, progress=self.progress)
        with self.step(5, "publish"):
            deployer.publish(deployment)
        with self.step(6, "route"):
            deployer.route(deployment)
        self.report(deployment)

    def pretend_aws_steps(self) -> None:
        """The dry run's upload, publish and route: read what exists, write nothing."""
        deployer = self.deployer
        name = deployer.function_name
        with self.step(4, "upload"):
            deployed = deployer.configuration()
            if deployed is None:
                self.detail(f"Pretending to create function {name!r}.")
            else:
                self.detail(
                    f"Pretending to update function {name!r}: its configuration where it "
                    "changed, its code unless CodeSha256 is unchanged."
                )
        with self.step(5, "publish"):
            self.detail(f"Pretending to publish a new version of {name!r}.")
        with self.step(6, "route"):
            current = None if deployed is None else deployer.alias_version()
            where = f" (now on version {current})" if current else ""
            self.detail(f"Pretending to move alias {deployer.alias!r}{where} to it.")
            url = None if deployed is None else deployer.expose(create=False)
            if url:
                self.detail(f"URL: {url}")
            elif lambda_settings.HTTP:
                self.detail(f"Pretending to create the {lambda_settings.HTTP} on the alias.")

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
