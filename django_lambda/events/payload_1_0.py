"""The request of payload 1.0, which REST APIs and ALB targets both send.

``multiValue*`` keys hold every value, the single-value keys only the last
one; the path (percent-encoded, without the stage) and the body are read the
same way. The sources differ in how
their query parameters arrive (ALB leaves them encoded) and in where the
client's address and the domain come from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_lambda.events import common


def to_environ(
    event: common.Event,
    *,
    encode_query: Callable[[Any], str],
    domain: Any,
    remote_addr: Callable[[common.Environ], Any],
    stage: Any = None,
    stage_in_path: bool = False,
) -> common.Environ:
    """The WSGI environ; ``remote_addr`` picks the client's address once the headers are read."""
    environ = common.header_environ(event.get("multiValueHeaders") or event.get("headers"))
    params = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
    return common.finish_environ(
        environ,
        method=event.get("httpMethod"),
        path_info=common.decoded_path(event.get("path")),
        query=encode_query(params),
        body=common.body_bytes(event.get("body"), event.get("isBase64Encoded")),
        domain=domain,
        remote_addr=remote_addr(environ),
        stage=stage,
        stage_in_path=stage_in_path,
    )
