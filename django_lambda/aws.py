"""boto3 orchestration; boto3 clients are made here, lazily, and nowhere else."""

from __future__ import annotations

from typing import Any

from django_lambda.conf import lambda_settings


def client(service_name: str) -> Any:
    """A boto3 client for ``service_name`` in the configured region and endpoint.

    boto3 is imported here, not at module level, so that the request path
    never pays for it. ``AWS_ENDPOINT_URL`` in the environment (boto3's own
    variable) also redirects every client, which is how the sandbox works.
    """
    import boto3

    return boto3.session.Session().client(
        service_name,
        region_name=lambda_settings.REGION,
        endpoint_url=lambda_settings.ENDPOINT_URL,
    )
