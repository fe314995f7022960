"""Query strings: rebuilt from the parameters of sources that send no raw query string."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_from_bytes, quote_plus, unquote_to_bytes

from django_lambda.events.common import BadEvent


def _query_value(value: Any, key: str) -> str:
    if type(value) is str:
        return value
    # Kong's awsgateway_compatible mode sends a key without "=" as `true`.
    if value is True:
        return ""
    raise BadEvent(f"Query parameter {key!r} must have string values, not {type(value).__name__}.")


def _build_query(params: Any, quote: Callable[[str], str]) -> str:
    if not params:
        return ""
    if type(params) is not dict:
        raise BadEvent(
            f"The event's query parameters must be an object, not {type(params).__name__}."
        )
    parts = []
    for key, values in params.items():
        # Most keys and values are plain ASCII words: no need to quote those.
        quoted_key = key if key.isalnum() and key.isascii() else quote(key)
        for value in values if type(values) is list else (values,):
            if type(value) is not str:
                value = _query_value(value, key)
            if not value:
                parts.append(quoted_key)
            elif value.isalnum() and value.isascii():
                parts.append(quoted_key + "=" + value)
            else:
                parts.append(quoted_key + "=" + quote(value))
    return "&".join(parts)


# Characters that never need percent-encoding in a query (compiled once).
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _requote(text: str) -> str:
    if _PLAIN.fullmatch(text):
        return text
    # Byte-exact: decode the client's escapes, then encode every byte that needs it.
    return quote_from_bytes(unquote_to_bytes(text.replace("+", " ")), safe=" ").replace(" ", "+")


def encode_query(params: Any) -> str:
    """A query string from parameters the source has already decoded.

    ``+`` in a value is a literal plus, so it is sent as ``%2B``; repeated keys
    (lists) survive in order.
    """
    return _build_query(params, quote_plus)


def reencode_query(params: Any) -> str:
    """A query string from parameters the source passes still URL-encoded (ALB).

    Decoding first keeps ``%20`` from becoming ``%2520``; a raw ``+`` stays a
    space and ``%2B`` stays a plus.
    """
    return _build_query(params, _requote)
