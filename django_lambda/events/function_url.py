"""Lambda Function URLs: payload 2.0 on a ``*.lambda-url.<region>.on.aws`` host.

Payload: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
Unlike an HTTP API, a Function URL leaves ``rawPath`` percent-encoded.
"""

from __future__ import annotations

from django_lambda.events import apigw_v2, common

to_result = apigw_v2.to_result


def detect(event: common.Event) -> bool:
    if not apigw_v2.detect(event):
        return False
    context = event.get("requestContext")
    domain = context.get("domainName") if type(context) is dict else None
    return type(domain) is str and ".lambda-url." in domain


def to_environ(event: common.Event) -> common.Environ:
    return apigw_v2.to_environ(event, path_encoded=True)
