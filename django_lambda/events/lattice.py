"""Amazon VPC Lattice Lambda targets, event structure version 2.0.

Payload: https://docs.aws.amazon.com/vpc-lattice/latest/ug/lambda-functions.html
Header and query values arrive as lists; the response takes one value per
header name, so several Set-Cookie headers use the case-variation trick.
"""

from __future__ import annotations

from django_lambda.events import common


def detect(event: common.Event) -> bool:
    context = event.get("requestContext")
    return type(context) is dict and ("serviceNetworkArn" in context or "serviceArn" in context)


def to_environ(event: common.Event) -> common.Environ:
    environ = common.header_environ(event.get("headers"))
    return common.finish_environ(
        environ,
        method=event.get("method"),
        path_info=common.decoded_path(event.get("path")),
        query=common.encode_query(event.get("queryStringParameters")),
        body=common.body_bytes(event.get("body"), event.get("isBase64Encoded")),
        domain=None,
        # VPC Lattice appends the caller's address to X-Forwarded-For.
        remote_addr=common.last_forwarded_for(environ),
    )


def to_result(event: common.Event, response: common.Response, *, head: bool) -> common.Result:
    body, is_base64 = common.result_body(response, head=head)
    return {
        "statusCode": response.status,
        "headers": common.single_value_headers(response),
        "body": body,
        "isBase64Encoded": is_base64,
    }
