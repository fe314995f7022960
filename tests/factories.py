"""Keyword-only factories for Lambda events, shaped as each source sends them.

Every factory takes the request as the client sent it (method, a still
percent-encoded ``path``, the raw ``query`` string, ``headers`` as a dict or
a list of pairs, ``body`` as bytes or str) and builds the event the way that
source represents it: decoded or not, lists or comma-joined, base64 or not.
``make_event(source, ...)`` picks the factory by name, for tests, benchmarks
and fuzzers that run one request through every source.

The shapes that ``lambda_invoke`` and ``lambda_serve`` also send (payload 2.0
and 1.0, ALB) come from ``django_lambda.events.client``; these factories add
the variations and the example values of the AWS documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from django_lambda.events.client import (
    Arrival,
    Request,
    alb_event,
    decoded_query,
    encoded_body,
    joined,
    last_values,
    multi,
    v1_event,
    v2_event,
)

REST_DOMAIN = "abc123defg.execute-api.us-east-1.amazonaws.com"
HTTP_API_DOMAIN = "r3pmxmplak.execute-api.us-east-1.amazonaws.com"
FUNCTION_URL_DOMAIN = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.us-east-1.on.aws"
ALB_TARGET_GROUP = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/"
    "49e9d65c45c6791a"
)
SOURCE_IP = "203.0.113.7"
ALB_IP = "10.0.1.23"
# A REST API's requestContext.identity for a caller that did not sign the request.
NO_CALLER = dict.fromkeys(
    (
        "accessKey",
        "accountId",
        "caller",
        "cognitoAuthenticationProvider",
        "cognitoAuthenticationType",
        "cognitoIdentityId",
        "cognitoIdentityPoolId",
        "principalOrgId",
        "user",
        "userArn",
    )
)

Headers = dict[str, Any] | Iterable[tuple[str, str]] | None
Body = bytes | str | None


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, dict):
        out: list[tuple[str, str]] = []
        for name, value in headers.items():
            if isinstance(value, list):
                out.extend((name, v) for v in value)
            else:
                out.append((name, value))
        return out
    return list(headers)


def _lower_with_host(headers: Headers, host: str) -> list[tuple[str, str]]:
    # Lower-case names, as ALB, Kong and VPC Lattice send them; a Host header.
    pairs = [(name.lower(), value) for name, value in _pairs(headers)]
    if not any(name == "host" for name, _ in pairs):
        pairs.insert(0, ("host", host))
    return pairs


def _forwarded(pairs: list[tuple[str, str]], client_ip: str) -> list[tuple[str, str]]:
    # A load balancer appends the address it saw to X-Forwarded-For.
    forwarded = [value for name, value in pairs if name == "x-forwarded-for"]
    pairs = [(name, value) for name, value in pairs if name != "x-forwarded-for"]
    return [*pairs, ("x-forwarded-for", ", ".join([*forwarded, client_ip]))]


def _body(body: Body, base64_encoded: bool) -> tuple[str | None, bool]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return encoded_body(data, base64_encoded=base64_encoded)


def _arrival(domain: str, stage: str, request_id: str, epoch_ms: int) -> Arrival:
    # API Gateway's id for an API is the first label of its execute-api domain.
    return Arrival(domain, domain.partition(".")[0], stage, request_id, epoch_ms)


def make_v1_event(
    *,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Headers = None,
    body: Body = None,
    base64_encoded: bool = False,
    stage: str = "prod",
    domain: str = REST_DOMAIN,
    source_ip: str = SOURCE_IP,
    multi_value: bool = True,
    host_header: bool = True,
) -> dict[str, Any]:
    """API Gateway REST API, proxy integration, payload 1.0.

    ``multi_value=False`` leaves out the ``multiValue*`` keys (older tools and
    hand-written events); ``host_header=False`` drops the Host header, as the
    console's test button does.
    """
    pairs = _pairs(headers)
    if host_header and not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", domain))
    event = v1_event(
        Request(method, path, query, pairs, source_ip=source_ip),
        _arrival(domain, stage, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", 1428582896000),
        body=_body(body, base64_encoded),
    )
    context = event["requestContext"]
    # What a REST API adds: the stage in front of the path, and who called (nobody signed).
    context.update(
        extendedRequestId="BBBBBBBBvHcEXAMPLE=",
        identity={**NO_CALLER, **context["identity"]},
        path=f"/{stage}{path}",
        resourceId="123456",
    )
    if not multi_value:
        del event["multiValueHeaders"], event["multiValueQueryStringParameters"]
    return event


def make_v2_event(
    *,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Headers = None,
    cookies: Iterable[str] = (),
    body: Body = None,
    base64_encoded: bool = False,
    stage: str = "$default",
    domain: str = HTTP_API_DOMAIN,
    source_ip: str = SOURCE_IP,
    path_decoded: bool = True,
    host_header: bool = True,
) -> dict[str, Any]:
    """API Gateway HTTP API, payload 2.0.

    HTTP APIs deliver ``rawPath`` already percent-decoded (``path_decoded``),
    with a named stage in front of it; header names arrive lower-case with
    repeats comma-joined, and cookies in their own list.
    """
    pairs = _pairs(headers)
    if host_header and not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("host", domain))
    raw_path = unquote(path) if path_decoded else path
    if stage != "$default":
        raw_path = f"/{stage}{raw_path}"
    return v2_event(
        Request(method, path, query, pairs, source_ip=source_ip),
        _arrival(domain, stage, "JKJaXmPLvHcESHA=", 1583817383220),
        raw_path=raw_path,
        cookies=list(cookies),
        body=_body(body, base64_encoded),
    )


def make_function_url_event(
    *,
    domain: str = FUNCTION_URL_DOMAIN,
    **kwargs: Any,
) -> dict[str, Any]:
    """Lambda Function URL: payload 2.0, ``$default`` stage, ``rawPath`` still encoded."""
    return make_v2_event(domain=domain, path_decoded=False, **kwargs)


def make_alb_event(
    *,
    multi_value: bool = False,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Headers = None,
    body: Body = None,
    base64_encoded: bool = False,
    client_ip: str = SOURCE_IP,
    host: str = "lambda-alb-123578498.us-east-1.elb.amazonaws.com",
) -> dict[str, Any]:
    """ALB Lambda target. Query parameters stay URL-encoded, as ALB passes them.

    ALB appends the client's address to X-Forwarded-For; ``client_ip`` is
    that appended (last) entry.
    """
    pairs = _forwarded(_lower_with_host(headers, host), client_ip)
    if not any(name == "x-forwarded-proto" for name, _ in pairs):
        pairs.append(("x-forwarded-proto", "https"))
    if not any(name == "x-forwarded-port" for name, _ in pairs):
        pairs.append(("x-forwarded-port", "443"))
    event = alb_event(
        Request(method, path, query, pairs, source_ip=client_ip),
        body=_body(body, base64_encoded),
        target_group=ALB_TARGET_GROUP,
    )
    if not multi_value:
        # Without multi-value headers ALB passes the last value of each.
        for multi_key, key in (
            ("multiValueQueryStringParameters", "queryStringParameters"),
            ("multiValueHeaders", "headers"),
        ):
            event[key] = last_values(event.pop(multi_key)) or {}
    return event


def make_kong_event(
    *,
    mode: str = "forward",
    request_context: bool = True,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Headers = None,
    body: Body = None,
    base64_encoded: bool | None = None,
    host: str = "kong.example.com",
    source_ip: str = SOURCE_IP,
) -> dict[str, Any]:
    """Kong's aws-lambda plugin.

    ``mode="forward"``: ``forward_request_*`` keys (headers lower-case, a list
    for a repeated header). ``mode="awsgateway"``: ``awsgateway_compatible``,
    REST 1.0 shape with the body base64-encoded whenever there is one;
    ``request_context=False`` is what Kong sent before it added requestContext.
    """
    pairs = _lower_with_host(headers, host)
    grouped = multi(pairs)
    if mode == "forward":
        event_body, is_base64 = _body(body, bool(base64_encoded))
        event: dict[str, Any] = {
            "request_method": method,
            "request_uri": f"{path}?{query}" if query else path,
            "request_uri_args": {
                key: values[0] if len(values) == 1 else values
                for key, values in multi(decoded_query(query)).items()
            },
            "request_headers": {
                name: values[0] if len(values) == 1 else values for name, values in grouped.items()
            },
            "request_body": event_body if event_body is not None else "",
            "request_body_args": {},
        }
        if is_base64:
            event["request_body_base64"] = True
        return event
    if mode != "awsgateway":
        raise ValueError(f"mode must be 'forward' or 'awsgateway', not {mode!r}")
    grouped_query = multi(decoded_query(query))
    event_body, is_base64 = _body(
        body if body else "", bool(body) if base64_encoded is None else base64_encoded
    )
    event = {
        "version": "1.0",
        "resource": "/",
        "path": path,
        "httpMethod": method,
        "headers": {name: values[0] for name, values in grouped.items()},
        "multiValueHeaders": grouped,
        "pathParameters": {},
        "queryStringParameters": {key: values[0] for key, values in grouped_query.items()},
        "multiValueQueryStringParameters": grouped_query,
        "body": event_body,
        "isBase64Encoded": is_base64,
    }
    if request_context:
        event["requestContext"] = {
            "path": path,
            "protocol": "HTTP/1.1",
            "httpMethod": method,
            "domainName": host,
            "domainPrefix": host.partition(".")[0],
            "identity": {"sourceIp": source_ip, "userAgent": dict(pairs).get("user-agent")},
            "requestId": "ae4b7b3ef1e2a1c4b8a0e5b1c3d2f4e6",
            "requestTime": "27/Nov/2026:20:00:00 +0000",
            "requestTimeEpoch": 1795809600000,
            "resourcePath": path,
        }
    else:
        del event["version"]
    return event


def make_lattice_event(
    *,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Headers = None,
    body: Body = None,
    base64_encoded: bool = False,
    client_ip: str = SOURCE_IP,
    host: str = "my-service-0a40eebed65f8d69c.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
) -> dict[str, Any]:
    """VPC Lattice, event structure 2.0: header and query values are lists."""
    pairs = _forwarded(_lower_with_host(headers, host), client_ip)
    event_body, is_base64 = _body(body, base64_encoded)
    return {
        "version": "2.0",
        "path": path,
        "method": method,
        "headers": multi(pairs),
        "queryStringParameters": multi(decoded_query(query)),
        "body": event_body if event_body is not None else "",
        "isBase64Encoded": is_base64,
        "requestContext": {
            "serviceNetworkArn": (
                "arn:aws:vpc-lattice:us-east-1:123456789012:servicenetwork/sn-0bf3f2882e9cc805a"
            ),
            "serviceArn": (
                "arn:aws:vpc-lattice:us-east-1:123456789012:service/svc-0a40eebed65f8d69c"
            ),
            "targetGroupArn": (
                "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-6d0ecf831eec9f09"
            ),
            "identity": {
                "sourceVpcArn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0b8276c84697e7339",
                "type": "AWS_IAM",
                "principal": "arn:aws:iam::123456789012:assumed-role/example-role/057d00f8b51257ba",
                "sessionName": "057d00f8b51257ba",
            },
            "region": "us-east-1",
            "timeEpoch": "1690497599177430",
        },
    }


def make_lattice_v1_event(
    *,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Headers = None,
    body: Body = None,
    base64_encoded: bool = False,
    client_ip: str = SOURCE_IP,
    host: str = "my-service-0a40eebed65f8d69c.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
) -> dict[str, Any]:
    """VPC Lattice, event structure V1: snake_case keys, one string per header and parameter.

    A repeated header arrives joined with ","; of a repeated query parameter
    only the last value (the V1 structure has room for one).
    """
    pairs = _forwarded(_lower_with_host(headers, host), client_ip)
    event_body, is_base64 = _body(body, base64_encoded)
    return {
        "raw_path": path,
        "method": method,
        "headers": joined(multi(pairs)),
        "query_string_parameters": dict(decoded_query(query)),
        "body": event_body if event_body is not None else "",
        "is_base64_encoded": is_base64,
    }


FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "apigw_v1": make_v1_event,
    "apigw_v1_single": lambda **kw: make_v1_event(multi_value=False, **kw),
    "apigw_v2": make_v2_event,
    "apigw_v2_stage": lambda **kw: make_v2_event(stage="prod", **kw),
    "function_url": make_function_url_event,
    "alb": make_alb_event,
    "alb_multi": lambda **kw: make_alb_event(multi_value=True, **kw),
    "kong_awsgateway": lambda **kw: make_kong_event(mode="awsgateway", **kw),
    "kong_awsgateway_old": lambda **kw: make_kong_event(
        mode="awsgateway", request_context=False, **kw
    ),
    "kong_forward": make_kong_event,
    "lattice": make_lattice_event,
    "lattice_v1": make_lattice_v1_event,
}


def make_event(source: str, **kwargs: Any) -> dict[str, Any]:
    """An event for ``source`` (a key of ``FACTORIES``); the keywords as for its factory."""
    try:
        factory = FACTORIES[source]
    except KeyError:
        raise ValueError(f"Unknown source {source!r}; choose from {', '.join(FACTORIES)}") from None
    return factory(**kwargs)
