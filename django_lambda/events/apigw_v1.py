"""API Gateway REST APIs (proxy integration, payload 1.0); also Kong's ``awsgateway_compatible``.

Payload: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
HTTP APIs configured for payload 1.0 send this shape as well.
Kong's aws-lambda plugin with ``awsgateway_compatible`` sends the same shape
(older Kong versions without ``requestContext``), and reads the same response.
"""

from __future__ import annotations

from django_lambda.events import common, payload_1_0, queries, results


def detect(event: common.Event) -> bool:
    # Checked after ALB, VPC Lattice and payload 2.0, which also have requestContext.
    if "requestContext" not in event:
        return "httpMethod" in event  # older Kong: no requestContext
    return "httpMethod" in event or "path" in event


def to_environ(event: common.Event) -> common.Environ:
    context = event.get("requestContext") or {}
    identity = context.get("identity") or {}
    return payload_1_0.to_environ(
        event,
        encode_query=queries.encode_query,
        domain=context.get("domainName"),
        remote_addr=lambda environ: identity.get("sourceIp"),
        stage=context.get("stage"),
        # HTTP APIs can send payload 1.0 too ("version": "1.0", which REST APIs
        # leave out); unlike REST they keep a named stage in front of the path
        # (dougmoscrop/serverless-http#143).
        stage_in_path=event.get("version") == "1.0",
    )


def to_result(event: common.Event, response: results.Response, *, head: bool) -> results.Result:
    body, is_base64 = results.result_body(response, head=head)
    single, multi = results.split_headers(response)
    return {
        "statusCode": response.status,
        "headers": single,
        "multiValueHeaders": multi,
        "body": body,
        "isBase64Encoded": is_base64,
    }
