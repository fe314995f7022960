"""Shared by the reliability tests: each source's response shape, and editing events by key."""

from __future__ import annotations

import base64
import json
from typing import Any

# Each source answers in one of these shapes (docs/explanation/architecture.md, "The request path
# and the event contract").
FAMILIES = {
    "apigw_v1": "rest",
    "apigw_v1_single": "rest",
    "kong_awsgateway": "rest",
    "kong_awsgateway_old": "rest",
    "apigw_v2": "http",
    "apigw_v2_stage": "http",
    "function_url": "http",
    "alb": "alb",
    "alb_multi": "alb_multi",
    "kong_forward": "kong",
    "lattice": "lattice",
    "lattice_v1": "lattice_v1",
}
RESULT_KEYS = {
    "rest": {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"},
    "http": {"statusCode", "headers", "cookies", "body", "isBase64Encoded"},
    "alb": {"statusCode", "statusDescription", "headers", "body", "isBase64Encoded"},
    "alb_multi": {
        "statusCode",
        "statusDescription",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    },
    "kong": {"statusCode", "headers", "body", "isBase64Encoded"},
    "lattice": {"statusCode", "headers", "body", "isBase64Encoded"},
    "lattice_v1": {"statusCode", "headers", "body", "isBase64Encoded"},
}


def assert_valid_result(family: str, result: Any) -> None:
    """``result`` is what ``family``'s caller accepts, and Lambda can serialize it."""
    assert type(result) is dict
    assert set(result) == RESULT_KEYS[family], result
    json.dumps(result)
    assert type(result["statusCode"]) is int and 100 <= result["statusCode"] <= 599
    assert type(result["body"]) is str
    assert type(result["isBase64Encoded"]) is bool
    if result["isBase64Encoded"]:
        base64.b64decode(result["body"], validate=True)
    if "statusDescription" in result:
        assert result["statusDescription"].startswith(f"{result['statusCode']} ")
    if "cookies" in result:
        assert all(type(cookie) is str for cookie in result["cookies"])
    for name, value in result.get("headers", {}).items():
        assert type(name) is str
        if family == "kong":  # Kong sets a header once per item of a list
            assert type(value) is str or all(type(v) is str for v in value)
        else:
            assert type(value) is str
    for name, values in result.get("multiValueHeaders", {}).items():
        assert type(name) is str and values and all(type(v) is str for v in values)


# Put in place of a value to delete its key instead.
DELETE = object()


def key_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key (and list index) path inside ``value``."""
    children: list[tuple[Any, Any]] = []
    if type(value) is dict:
        children = list(value.items())
    elif type(value) is list:
        children = list(enumerate(value))
    found: list[tuple[Any, ...]] = []
    for key, child in children:
        found.append((*prefix, key))
        found.extend(key_paths(child, (*prefix, key)))
    return found


def change(event: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    """Set the key at ``path`` to ``value``, or delete it if ``value`` is DELETE."""
    parent: Any = event
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
