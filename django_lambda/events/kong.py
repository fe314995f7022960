"""Kong's ``aws-lambda`` plugin with ``forward_request_*``, answered as ``is_proxy_integration``.

Request keys: ``request_method``, ``request_uri`` (path and query as the
client sent them), ``request_headers`` (a list for a repeated header),
``request_body`` and ``request_body_base64``. Kong reads back ``statusCode``,
``headers`` (a list value sets the header several times), ``body`` and
``isBase64Encoded``. Kong's other mode, ``awsgateway_compatible``, sends the
REST 1.0 shape and is served by ``apigw_v1``.
Plugin: https://docs.konghq.com/hub/kong-inc/aws-lambda/
"""

from __future__ import annotations

from typing import Any

from django_lambda.events import common, results


def detect(event: common.Event) -> bool:
    return "request_method" in event or "request_uri" in event


def to_environ(event: common.Event) -> common.Environ:
    environ = common.header_environ(event.get("request_headers"))
    path, _, query = common.required_str(event.get("request_uri"), "request_uri").partition("?")
    return common.finish_environ(
        environ,
        method=event.get("request_method"),
        path_info=common.decoded_path(path),
        query=common.wsgi_str(query),  # a client may send UTF-8 unescaped (PEP 3333)
        body=common.body_bytes(event.get("request_body"), event.get("request_body_base64")),
        domain=None,
        # Kong forwards no client address, and the headers come from the client.
        remote_addr=None,
    )


def to_result(event: common.Event, response: results.Response, *, head: bool) -> results.Result:
    body, is_base64 = results.result_body(response, head=head)
    single, repeated = results.split_headers(response)
    headers: dict[str, Any] = {**single, **repeated}
    return {
        "statusCode": response.status,
        "headers": headers,
        "body": body,
        "isBase64Encoded": is_base64,
    }
