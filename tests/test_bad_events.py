"""A catalogue of named bad inputs: each gets its status and a reason that names the problem.

HTTP-shaped events that cannot become a request are a 400 in the source's own
response shape; events of no known kind raise ``UnknownEventError`` naming the
keys they had (docs/explanation/architecture.md, "The request path and the event contract").
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from django_lambda.handler import UnknownEventError, lambda_handler
from tests.factories import make_event
from tests.shapes import DELETE, FAMILIES, assert_valid_result, change

pytestmark = pytest.mark.urls("tests.echo_urls")

CONTEXT = SimpleNamespace(aws_request_id="catalogue-request", function_name="catalogue")


def changed(source: str, changes: dict[tuple[Any, ...], Any], **request: Any) -> dict[str, Any]:
    """``source``'s event for ``request``, then each key path set to a value (or deleted)."""
    event = make_event(source, **request)
    for path, value in changes.items():
        change(event, path, value)
    return event


def bad(
    name: str, source: str, changes: dict[tuple[Any, ...], Any], reason: str, **request: Any
) -> Any:
    return pytest.param(source, changed(source, changes, **request), reason, id=name)


POST = {"method": "POST", "path": "/form/", "body": b"payload", "base64_encoded": True}

CATALOGUE = [
    bad("invalid-base64-body", "apigw_v2", {("body",): "not base64!"}, "not valid base64", **POST),
    bad(
        "invalid-base64-body-kong",
        "kong_forward",
        {("request_body",): "%%%"},
        "not valid base64",
        **POST,
    ),
    bad("body-is-a-number", "apigw_v1", {("body",): 42}, "body must be a string or null, not int"),
    bad("body-is-an-object", "alb", {("body",): {}}, "body must be a string or null, not dict"),
    bad(
        "text-body-with-a-lone-surrogate",
        "lattice",
        {("body",): "\ud800", ("isBase64Encoded",): False},
        "not valid Unicode text",
    ),
    bad("headers-is-a-list", "apigw_v2", {("headers",): ["host"]}, "headers must be an object"),
    bad(
        "header-value-is-a-number",
        "alb",
        {("headers", "x-count"): 3},
        "Header 'x-count' has a int value",
    ),
    bad(
        "multi-value-header-item-is-null",
        "apigw_v1",
        {("multiValueHeaders", "x-a"): [None]},
        "Header 'x-a' has a NoneType value",
    ),
    bad("no-path", "apigw_v1", {("path",): DELETE}, "The event has no path"),
    bad("path-is-a-number", "alb", {("path",): 7}, "path must be a string, not int"),
    bad("method-is-null", "apigw_v1", {("httpMethod",): None}, "The event has no HTTP method"),
    bad(
        "v2-without-method",
        "apigw_v2",
        {("requestContext", "http", "method"): DELETE},
        "The event has no HTTP method",
    ),
    bad(
        "v2-http-is-a-string",
        "function_url",
        {("requestContext", "http"): "GET"},
        "requestContext.http must be an object",
    ),
    bad(
        "query-parameters-is-a-string",
        "apigw_v1",
        {("multiValueQueryStringParameters",): "a=1"},
        "query parameters must be an object, not str",
    ),
    bad(
        "query-value-is-a-number",
        "lattice",
        {("queryStringParameters",): {"page": [2]}},
        "Query parameter 'page' must have string values, not int",
    ),
    bad(
        "raw-query-is-a-number",
        "apigw_v2",
        {("rawQueryString",): 5},
        "rawQueryString must be a string, not int",
    ),
    bad("v2-without-raw-path", "apigw_v2", {("rawPath",): DELETE}, "The event has no path."),
    bad("kong-without-request-uri", "kong_forward", {("request_uri",): DELETE}, "no request_uri"),
    bad(
        "kong-request-uri-is-a-list",
        "kong_forward",
        {("request_uri",): ["/"]},
        "request_uri must be a string, not list",
    ),
]


@pytest.mark.parametrize(("source", "event", "reason"), CATALOGUE)
def test_bad_http_event_is_a_400_naming_the_problem(
    source: str, event: dict[str, Any], reason: str
) -> None:
    result = lambda_handler(event, CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert (result["statusCode"], result["isBase64Encoded"]) == (400, False)
    assert reason in result["body"]


@pytest.mark.parametrize(
    ("event", "named"),
    [
        pytest.param({}, "top-level keys: none", id="empty-object"),
        pytest.param([], "the event is a list", id="a-list"),
        pytest.param("GET /", "the event is a str", id="a-string"),
        pytest.param(
            {"Records": [{"eventSource": "aws:s3"}]}, "keys: Records", id="s3-notification"
        ),
        pytest.param({"body": "x", "path": "/"}, "keys: body, path", id="body-and-path-only"),
        pytest.param({"warmup": "yes"}, "keys: warmup", id="warmup-not-true"),
    ],
)
def test_unknown_event_raises_naming_its_keys(event: Any, named: str) -> None:
    with pytest.raises(UnknownEventError) as raised:
        lambda_handler(event, CONTEXT)
    assert named in str(raised.value)


@pytest.mark.parametrize("source", sorted(FAMILIES))
def test_a_failing_view_on_a_non_latin1_path_is_a_500(source: str) -> None:
    # Django writes the decoded path back into the environ; logging the 500 must cope.
    event = make_event(source, path="/boom/%C4%80")  # "/boom/Ā"
    result = lambda_handler(event, CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert result["statusCode"] == 500


@pytest.mark.parametrize("source", sorted(FAMILIES))
def test_a_query_with_raw_non_ascii_reaches_django(source: str) -> None:
    # curl and other non-browser clients send UTF-8 in the query unescaped.
    result = lambda_handler(make_event(source, path="/", query="q=Ā"), CONTEXT)
    assert result["statusCode"] == 200, result
    assert json.loads(result["body"])["query"] == {"q": ["Ā"]}
