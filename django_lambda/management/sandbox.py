"""``--sandbox`` and ``--sandbox-stop``, shared by lambda_deploy, lambda_invoke and lambda_serve."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_lambda import local, sandbox
from django_lambda.conf import SETTING_NAME, deploy_config
from django_lambda.configuration import DeployConfig
from django_lambda.sandbox import sandbox_config


class SandboxCommandMixin(BaseCommand):
    """The sandbox options and steps; a command lists it before ``BaseCommand``.

    ``handle`` reads the settings once, into a ``DeployConfig``. The command
    implements ``run(config, **options)``, its work against AWS (or locally),
    and may implement ``run_in_sandbox(info, config, **options)``, the same
    work inside the sandbox (by default ``run``), where ``config`` is the
    sandbox's (``sandbox.sandbox_config``); ``check_sandbox_options``
    refuses contradicting options before anything starts.
    """

    # With --sandbox, for lambda_invoke and lambda_serve: the deployed
    # function's configuration, which the local run then copies.
    sandbox_options: dict[str, Any] | None = None

    # Each command defines it with its own keyword-only options.
    run: Callable[..., None]

    def handle(self, *, sandbox: bool, sandbox_stop: bool, **options: Any) -> None:
        config = deploy_config()
        if sandbox_stop:
            self.stop_sandbox(config)
            return
        self.check_sandbox_options(sandbox=sandbox, **options)
        if not sandbox:
            self.run(config, **options)
            return
        info = self.start_sandbox(config)
        self.run_in_sandbox(info, sandbox_config(info, config), **options)

    def check_sandbox_options(self, *, sandbox: bool, **options: Any) -> None:
        """Raise CommandError for options that contradict --sandbox, or need it."""

    def run_in_sandbox(
        self, info: sandbox.SandboxInfo, config: DeployConfig, **options: Any
    ) -> None:
        """The command's work inside the sandbox: by default ``run`` with the sandbox's
        ``config`` (the commands that only talk to AWS: logs, status, undeploy)."""
        self.run(config, **options)

    def add_sandbox_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--sandbox",
            action="store_true",
            help="Use the embedded AWS sandbox (moto's server on 127.0.0.1, started if it is "
            "not running, its address in .lambda/sandbox.json) instead of AWS: no account, "
            "no network.",
        )
        parser.add_argument(
            "--sandbox-stop",
            action="store_true",
            help="End the sandbox (everything deployed to it is gone) and exit.",
        )

    def stop_sandbox(self, config: DeployConfig) -> None:
        project_dir = config.project_dir
        if sandbox.stop(project_dir):
            self.stdout.write(self.style.SUCCESS("Sandbox stopped."))
        else:
            self.stdout.write(f"No sandbox is running for {project_dir}.")

    def start_sandbox(self, config: DeployConfig) -> sandbox.SandboxInfo:
        try:
            info = sandbox.activate_project(config)
        except sandbox.SandboxError as error:
            raise CommandError(str(error)) from None
        how = "reusing" if info.reused else "started"
        self.stderr.write(
            f"Sandbox: {how} moto's server at {info.endpoint_url} (pid {info.pid}); "
            "end it with --sandbox-stop.",
            style_func=self.style.NOTICE,
        )
        return info

    def deployed_package(
        self, info: sandbox.SandboxInfo, config: DeployConfig, qualifier: str | None
    ) -> sandbox.DeployedPackage:
        function_name = function_name_of(config)
        try:
            deployed = sandbox.deployed_package(
                info, config.project_dir, function_name, qualifier or config.alias
            )
        except sandbox.SandboxError as error:
            raise CommandError(str(error)) from None
        configuration = deployed.configuration
        self.stderr.write(
            f"Running the code deployed to the sandbox: {function_name} version "
            f"{configuration['Version']}, CodeSha256 {configuration['CodeSha256']}.",
            style_func=self.style.NOTICE,
        )
        return deployed

    def use_deployed_package(
        self, info: sandbox.SandboxInfo, config: DeployConfig, qualifier: str | None
    ) -> Path:
        """The zip deployed to the sandbox, its configuration kept in ``sandbox_options``.

        moto keeps functions but cannot run them (that needs Docker): the
        deployed package runs here, under the Lambda runtime client.
        """
        deployed = self.deployed_package(info, config, qualifier)
        try:
            self.sandbox_options = sandbox.local_function_options(config, deployed)
        except local.LocalRunError as error:
            raise CommandError(str(error)) from None
        return deployed.zip_path

    def keep_deployed_package(
        self, info: sandbox.SandboxInfo, config: DeployConfig, zip_path: Path
    ) -> None:
        key = sandbox.store_package(info, function_name_of(config), zip_path)
        self.stdout.write(
            f"The sandbox keeps the deployed package at s3://{info.code_bucket}/{key}."
        )


def function_name_of(config: DeployConfig) -> str:
    """``config.function_name``, which the command needs; a CommandError when it is unset."""
    if not config.function_name:
        raise CommandError(
            f"{SETTING_NAME}['FUNCTION_NAME'] is not set: set it to the function's name."
        )
    return config.function_name
