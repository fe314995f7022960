"""Amazon VPC Lattice Lambda targets, event structures V1 and V2.

Payloads: https://docs.aws.amazon.com/vpc-lattice/latest/ug/lambda-functions.html
A target group sends one or the other: V1 (the default of the API and
CloudFormation) has snake_case keys, ``raw_path`` and one string per header
and query parameter; V2 (the console's default) has ``path``, a
``requestContext`` and lists of values. Both take the same response, with one
value per header name, so several Set-Cookie headers use the case-variation
trick.
"""

from __future__ import annotations

from django_lambda.events import common, queries, results


def detect(event: common.Event) -> bool:
    context = event.get("requestContext")
    if type(context) is dict:
        return "serviceNetworkArn" in context or "serviceArn" in context
    return "raw_path" in event


def to_environ(event: common.Event) -> common.Environ:
    environ = common.header_environ(event.get("headers"))
    v1 = "raw_path" in event
    return common.finish_environ(
        environ,
        method=event.get("method"),
        path_info=common.decoded_path(event.get("raw_path" if v1 else "path")),
        query=queries.encode_query(
            event.get("query_string_parameters" if v1 else "queryStringParameters")
        ),
        body=common.body_bytes(
            event.get("body"), event.get("is_base64_encoded" if v1 else "isBase64Encoded")
        ),
        domain=None,
        # VPC Lattice appends the caller's address to X-Forwarded-For.
        remote_addr=common.last_forwarded_for(environ),
    )


def to_result(event: common.Event, response: results.Response, *, head: bool) -> results.Result:
    body, is_base64 = results.result_body(response, head=head)
    return {
        "statusCode": response.status,
        "headers": results.single_value_headers(response),
        "body": body,
        "isBase64Encoded": is_base64,
    }
