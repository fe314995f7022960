"""System checks for the ``DJANGO_LAMBDA`` setting, and for settings that misbehave on Lambda.

Ids are never reused. One module per range:

- ``setting``: E001-E009, the setting itself;
- ``handler``: E010-E019, what the handler reads on every request;
- ``static``: E020-E029, the static storage;
- ``package_settings``: E100-E119, the package build;
- ``on_lambda``: W100-W119, settings that break, or quietly misbehave, on Lambda;
- ``deploy``: E120-E149 / W120-W139, the function and its routing;
- ``schedules``: E150-E169 / W150-W159, the schedules and the tasks.

Where values alone decide, a check is a table of ``SettingRule`` rows (key,
validator, id, message, hint); the build refuses a wrong value through the
same rows (``django_lambda.package.rules``), so each rule is phrased once.

``AppConfig.ready`` registers the checks at every start, a Lambda cold start
included, but only ``manage.py check`` and the commands that run it call them:
each check here loads its module when it first runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags
from django.core.checks import register as register_check


class DeferredCheck:
    """The system check ``name`` of the module ``module`` (of this package), which loads
    when the check first runs."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(
        self, app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
    ) -> list[CheckMessage]:
        check = getattr(importlib.import_module(f"{__name__}.{self.module}"), self.name)
        messages: list[CheckMessage] = check(app_configs, **kwargs)
        return messages

    def __repr__(self) -> str:
        return f"<DeferredCheck {__name__}.{self.module}.{self.name}>"


# What lambda_deploy itself reads from DJANGO_LAMBDA to build and deploy: it
# checks these in its own process, where it reads them. The other checks judge
# the settings the function runs with, and lambda_deploy runs them with the
# function's environment (django_lambda.deploy).
DEPLOY_CONFIGURATION_CHECKS = (
    check_setting_shape := DeferredCheck("setting", "check_setting_shape"),
    check_deploy_values := DeferredCheck("deploy", "check_deploy_values"),
    check_package_settings := DeferredCheck("package_settings", "check_package_settings"),
    check_deploy_settings := DeferredCheck("deploy", "check_deploy_settings"),
    check_schedules := DeferredCheck("schedules", "check_schedules"),
)

# The settings that break, or quietly misbehave, on Lambda (W100-W119): they
# run with ``check --deploy``, and lambda_deploy runs them with the function's
# environment.
DEPLOY_CHECKS = (
    check_caches := DeferredCheck("on_lambda", "check_caches"),
    check_sessions := DeferredCheck("on_lambda", "check_sessions"),
    check_databases := DeferredCheck("on_lambda", "check_databases"),
    check_connection_health := DeferredCheck("on_lambda", "check_connection_health"),
    check_media_storage := DeferredCheck("on_lambda", "check_media_storage"),
    check_debug := DeferredCheck("on_lambda", "check_debug"),
    check_allowed_hosts := DeferredCheck("on_lambda", "check_allowed_hosts"),
)

# What the handler and the static storage read.
check_handler_settings = DeferredCheck("handler", "check_handler_settings")
check_static_storage = DeferredCheck("static", "check_static_storage")


def register() -> None:
    register_check(Tags.compatibility)(check_setting_shape)
    register_check(Tags.staticfiles)(check_static_storage)
    register_check(Tags.compatibility)(check_handler_settings)
    register_check(Tags.compatibility)(check_deploy_values)
    register_check(Tags.compatibility)(check_package_settings)
    register_check(Tags.compatibility)(check_schedules)
    for check in DEPLOY_CHECKS:
        register_check(Tags.compatibility, deploy=True)(check)


def check_deploy_configuration() -> list[CheckMessage]:
    """The messages of ``DEPLOY_CONFIGURATION_CHECKS``, less those SILENCED_SYSTEM_CHECKS names."""
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    return [
        message
        for check in DEPLOY_CONFIGURATION_CHECKS
        for message in check()
        if message.id not in silenced
    ]
