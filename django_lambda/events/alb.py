"""Application Load Balancer Lambda targets, single-value and multi-value headers.

Payload: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
ALB leaves the path and the query parameters URL-encoded, and takes one
value per response header unless multi-value headers are turned on.
"""

from __future__ import annotations

from django_lambda.events import common, payload_1_0, queries, results


def detect(event: common.Event) -> bool:
    context = event.get("requestContext")
    return type(context) is dict and "elb" in context


def to_environ(event: common.Event) -> common.Environ:
    return payload_1_0.to_environ(
        event,
        encode_query=queries.reencode_query,
        domain=None,
        remote_addr=common.last_forwarded_for,
    )


def to_result(event: common.Event, response: results.Response, *, head: bool) -> results.Result:
    body, is_base64 = results.result_body(response, head=head)
    result: results.Result = {
        "statusCode": response.status,
        "statusDescription": response.status_line,
    }
    # The response must use the mode the target group's event used.
    if "multiValueHeaders" in event:
        result["multiValueHeaders"] = results.grouped_headers(response)
    else:
        result["headers"] = results.single_value_headers(response)
    result["body"] = body
    result["isBase64Encoded"] = is_base64
    return result
