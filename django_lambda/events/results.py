"""What every event source shares on the response side: a WSGI response -> result pieces.

Text stays text and binary goes base64 (``TEXT_CONTENT_TYPES``); repeated
headers survive in the form each source accepts.
"""

from __future__ import annotations

import base64
from typing import Any

from django_lambda.conf import handler_settings

Result = dict[str, Any]


class Response:
    """What the WSGI application answered, with the body read and closed."""

    __slots__ = ("body", "headers", "status", "status_line")

    def __init__(self, status_line: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_line = status_line
        self.status = int(status_line[:3])
        self.headers = headers
        self.body = body


def bad_request(reason: str) -> Response:
    return Response(
        "400 Bad Request",
        [("Content-Type", "text/plain; charset=utf-8")],
        reason.encode("utf-8"),
    )


def result_body(response: Response, *, head: bool) -> tuple[str, bool]:
    """The body for the result dict and whether it is base64.

    Text stays text; binary (any Content-Encoding, a content type outside
    TEXT_CONTENT_TYPES, or bytes that are not UTF-8) goes base64. HEAD has no body.
    """
    body = response.body
    if head or not body:
        return "", False
    content_type = ""
    for name, value in response.headers:
        lower = name.lower()
        if lower == "content-type":
            content_type = value
        elif lower == "content-encoding":
            return base64.b64encode(body).decode("ascii"), True
    if handler_settings().is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def grouped_headers(response: Response) -> dict[str, list[str]]:
    """Response headers as name -> values, repeats (Set-Cookie) kept, in order."""
    grouped: dict[str, list[str]] = {}
    for name, value in response.headers:
        # Django writes Set-Cookie values with a leading space.
        value = value.strip()
        if name in grouped:
            grouped[name].append(value)
        else:
            grouped[name] = [value]
    return grouped


def split_headers(response: Response) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Response headers split into those sent once and those repeated (Set-Cookie)."""
    single: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    for name, value in response.headers:
        value = value.strip()  # Django writes Set-Cookie values with a leading space
        if name in single:
            repeated[name] = [single.pop(name), value]
        elif name in repeated:
            repeated[name].append(value)
        else:
            single[name] = value
    return single, repeated


def _case_variant(name: str, n: int) -> str:
    # The n-th spelling of `name` with letters' case flipped by the bits of n.
    chars = []
    for char in name:
        if char.isalpha():
            if n & 1:
                char = char.swapcase()
            n >>= 1
        chars.append(char)
    return "".join(chars)


def single_value_headers(response: Response) -> dict[str, str]:
    """Headers for a source that takes one value per name (ALB single-value, VPC Lattice).

    Repeated Set-Cookie headers survive under different spellings of the
    name (``Set-Cookie``, ``set-Cookie``, ...): names are case-insensitive on
    the wire and that is all such a source accepts. Other repeats join with ",".
    """
    headers, repeated = split_headers(response)
    for name, values in repeated.items():
        if name.lower() == "set-cookie":
            for n, value in enumerate(values):
                headers[_case_variant(name, n)] = value
        else:
            headers[name] = ",".join(values)
    return headers
