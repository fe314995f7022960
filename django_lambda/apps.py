"""App configuration: registers the system checks."""

from __future__ import annotations

from django.apps import AppConfig


class DjangoLambdaConfig(AppConfig):
    name = "django_lambda"
    verbose_name = "Django on AWS Lambda"

    def ready(self) -> None:
        from django_lambda import checks

        checks.register()
