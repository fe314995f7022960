"""API Gateway HTTP APIs (payload 2.0), ``$default`` and named stages.

Payload: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

from django_lambda.events import common, results


def detect(event: common.Event) -> bool:
    # requestContext.http tells payload 2.0 from VPC Lattice's 2.0 events; rawPath
    # alone is enough too, so a damaged context still gets a 400, not an error.
    if event.get("version") != "2.0":
        return False
    if "rawPath" in event:
        return True
    context = event.get("requestContext")
    return type(context) is dict and "http" in context


def to_environ(event: common.Event, *, path_encoded: bool = False) -> common.Environ:
    """The environ for any payload 2.0 event; ``path_encoded`` for Function URLs."""
    context = event.get("requestContext")
    if type(context) is not dict:
        raise common.BadEvent("The event's requestContext must be an object.")
    http = context.get("http")
    if type(http) is not dict:
        raise common.BadEvent("The event's requestContext.http must be an object.")
    environ = common.header_environ(event.get("headers"))
    cookies = event.get("cookies")
    if cookies:
        common.add_cookies(environ, cookies)
    query = event.get("rawQueryString") or ""
    if type(query) is not str:
        raise common.BadEvent(
            f"The event's rawQueryString must be a string, not {type(query).__name__}."
        )
    path = event.get("rawPath")
    if path_encoded:
        path = common.decoded_path(path)
    elif type(path) is not str or not path.isascii():
        path = common.plain_path(path)
    body = event.get("body")
    return common.finish_environ(
        environ,
        method=http.get("method"),
        path_info=path,
        # As sent, but as a WSGI str: a client may send UTF-8 unescaped (PEP 3333).
        query=query if query.isascii() else common.wsgi_str(query),
        body=b"" if body is None else common.body_bytes(body, event.get("isBase64Encoded")),
        domain=context.get("domainName"),
        remote_addr=http.get("sourceIp"),
        stage=context.get("stage"),
        stage_in_path=True,
    )


def to_result(event: common.Event, response: results.Response, *, head: bool) -> results.Result:
    body, is_base64 = results.result_body(response, head=head)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in response.headers:
        # Django writes Set-Cookie values with a leading space.
        value = value.strip()
        if name in headers:
            headers[name] += "," + value
        elif name.lower() == "set-cookie":
            cookies.append(value)
        else:
            headers[name] = value
    return {
        "statusCode": response.status,
        "headers": headers,
        "cookies": cookies,
        "body": body,
        "isBase64Encoded": is_base64,
    }
