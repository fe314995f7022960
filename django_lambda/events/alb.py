"""Application Load Balancer Lambda targets, single-value and multi-value headers.

Payload: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
ALB leaves the path and the query parameters URL-encoded, and takes one
value per response header unless multi-value headers are turned on.
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
    finish_environ,
    grouped_headers,
    last_forwarded_for,
    reencode_query,
    result_body,
    single_value_headers,
)


def detect(event: Event) -> bool:
    context = event.get("requestContext")
    return type(context) is dict and "elb" in context


def to_environ(event: Event, base: Environ) -> Environ:
    add_headers(base, event.get("multiValueHeaders") or event.get("headers"))
    return finish_environ(
        base,
        method=event.get("httpMethod"),
        path_info=decoded_path(event.get("path")),
        query=reencode_query(
            event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
        ),
        body=body_bytes(event.get("body"), event.get("isBase64Encoded")),
        domain=None,
        remote_addr=last_forwarded_for(base),
    )


def to_result(event: Event, response: Response, *, head: bool) -> Result:
    body, is_base64 = result_body(response, head=head)
    result: Result = {
        "statusCode": response.status,
        "statusDescription": response.status_line,
    }
    # The response must use the mode the target group's event used.
    if "multiValueHeaders" in event:
        result["multiValueHeaders"] = grouped_headers(response)
    else:
        result["headers"] = single_value_headers(response)
    result["body"] = body
    result["isBase64Encoded"] = is_base64
    return result
