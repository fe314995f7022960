"""API Gateway HTTP APIs (payload 2.0), ``$default`` and named stages.

Payload: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

from django_lambda.events.common import (
    BadEvent,
    Environ,
    Event,
    Response,
    Result,
    add_headers,
    body_bytes,
    decoded_path,
    finish_environ,
    grouped_headers,
    plain_path,
    result_body,
)


def detect(event: Event) -> bool:
    context = event.get("requestContext")
    return event.get("version") == "2.0" and type(context) is dict and "http" in context


def to_environ(event: Event, base: Environ, *, path_encoded: bool = False) -> Environ:
    """The environ for any payload 2.0 event; ``path_encoded`` for Function URLs."""
    context = event["requestContext"]
    http = context["http"]
    if type(http) is not dict:
        raise BadEvent("The event's requestContext.http must be an object.")
    add_headers(base, event.get("headers"))
    cookies = event.get("cookies")
    if cookies:
        add_headers(base, {"cookie": cookies})
    query = event.get("rawQueryString") or ""
    if type(query) is not str:
        raise BadEvent(f"The event's rawQueryString must be a string, not {type(query).__name__}.")
    path = event.get("rawPath")
    return finish_environ(
        base,
        method=http.get("method"),
        path_info=decoded_path(path) if path_encoded else plain_path(path),
        query=query,
        body=body_bytes(event.get("body"), event.get("isBase64Encoded")),
        domain=context.get("domainName"),
        remote_addr=http.get("sourceIp"),
        stage=context.get("stage"),
        stage_in_path=True,
    )


def to_result(event: Event, response: Response, *, head: bool) -> Result:
    body, is_base64 = result_body(response, head=head)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, values in grouped_headers(response).items():
        if name.lower() == "set-cookie":
            cookies.extend(values)
        else:
            headers[name] = ",".join(values)
    return {
        "statusCode": response.status,
        "headers": headers,
        "cookies": cookies,
        "body": body,
        "isBase64Encoded": is_base64,
    }
