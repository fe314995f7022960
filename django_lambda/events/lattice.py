"""Amazon VPC Lattice Lambda targets, event structure version 2.0.

Payload: https://docs.aws.amazon.com/vpc-lattice/latest/ug/lambda-functions.html
Header and query values arrive as lists; the response takes one value per
header name, so several Set-Cookie headers use the case-variation trick.
"""

from __future__ import annotations

from django_lambda.events.common import (
    Environ,
    Event,
    Response,
    Result,
    add_headers,
    body_bytes,
    decoded_path,
    encode_query,
    finish_environ,
    last_forwarded_for,
    result_body,
    single_value_headers,
)


def detect(event: Event) -> bool:
    context = event.get("requestContext")
    return type(context) is dict and ("serviceNetworkArn" in context or "serviceArn" in context)


def to_environ(event: Event, base: Environ) -> Environ:
    add_headers(base, event.get("headers"))
    return finish_environ(
        base,
        method=event.get("method"),
        path_info=decoded_path(event.get("path")),
        query=encode_query(event.get("queryStringParameters")),
        body=body_bytes(event.get("body"), event.get("isBase64Encoded")),
        domain=None,
        # VPC Lattice appends the caller's address to X-Forwarded-For.
        remote_addr=last_forwarded_for(base),
    )


def to_result(event: Event, response: Response, *, head: bool) -> Result:
    body, is_base64 = result_body(response, head=head)
    return {
        "statusCode": response.status,
        "headers": single_value_headers(response),
        "body": body,
        "isBase64Encoded": is_base64,
    }
