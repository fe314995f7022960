"""Property-based fuzzing of every event source through ``lambda_handler``.

The properties, for every source in ``tests.factories.FACTORIES``:

- a valid request's method, path, query and body reach the echo view unchanged;
- an HTTP-shaped event with keys missing or of the wrong type never raises and
  always gets a response dict valid for its source (the table in
  docs/explanation/architecture.md), never a 5xx;
- a header whose name contains ``_`` never reaches Django;
- the handler's shortcuts agree with the rules they stand for: ``source_for``
  with asking each source's ``detect`` in turn, and the header fast path with
  ``add_headers`` applied one header at a time.

The example budget comes from the Hypothesis profile in ``tests/conftest.py``:
small by default, ``HYPOTHESIS_PROFILE=long`` for a long run.
"""

from __future__ import annotations

import base64
import binascii
import json
import string
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from django_lambda.events import SOURCES, common, source_for
from django_lambda.handler import UnknownEventError, lambda_handler
from tests.factories import FACTORIES, make_event
from tests.shapes import DELETE, FAMILIES, RESULT_KEYS, assert_valid_result, change, key_paths

pytestmark = pytest.mark.urls("tests.echo_urls")

CONTEXT = SimpleNamespace(aws_request_id="fuzz-request", function_name="fuzz")

# The keys each shape is told apart by: changing one may turn the event into
# another source's (or into no HTTP event at all).
DETECTION_KEYS: dict[str, list[tuple[str, ...]]] = {
    "rest": [("httpMethod",), ("path",), ("requestContext",)],
    "http": [("version",), ("rawPath",), ("requestContext",), ("requestContext", "http")],
    "alb": [("requestContext",), ("requestContext", "elb")],
    "alb_multi": [("requestContext",), ("requestContext", "elb"), ("multiValueHeaders",)],
    "kong": [("request_method",), ("request_uri",)],
    "lattice": [
        ("requestContext",),
        ("requestContext", "serviceNetworkArn"),
        ("requestContext", "serviceArn"),
    ],
    "lattice_v1": [("raw_path",)],
}
# Sources that carry every value of a repeated query key.
REPEATS_SURVIVE = sorted(set(FACTORIES) - {"apigw_v1_single", "alb", "lattice_v1"})


def echo(result: dict[str, Any]) -> dict[str, Any]:
    assert result["statusCode"] == 200, result
    assert result["isBase64Encoded"] is False
    return json.loads(result["body"])  # type: ignore[no-any-return]


# --- strategies -----------------------------------------------------------------

# Any method but HEAD, whose response has no body to read the echo from.
methods = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) | st.text(
    alphabet=string.ascii_uppercase, min_size=1, max_size=12
).filter(lambda method: method != "HEAD")

# Path segments as Django should see them; the client sends them percent-encoded.
segments = st.text(max_size=8) | st.sampled_from(
    ["", ".", "..", "%41", "%2F", "%25", "a+b", "a b", "é", "日本", "?q", "#f", ";", "\n"]
)
paths = st.lists(segments, max_size=5).map(lambda parts: "/" + "/".join(parts))

query_keys = st.text(min_size=1, max_size=8)
query_values = st.text(max_size=10)

header_names = st.text(
    alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12
)
header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)
# "x-" keeps random names clear of Host, Content-Type and friends, which the
# malformed-event property fuzzes instead.
x_headers = st.lists(
    st.tuples(header_names.map(lambda name: "x-" + name), header_values), max_size=6
)
any_headers = st.lists(
    st.tuples(
        st.sampled_from(["Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port"])
        | st.text(max_size=12),
        st.text(max_size=20),
    ),
    max_size=6,
)

# A body: None, bytes (sent base64), or text (sent as text or base64).
bodies = st.none() | st.binary(max_size=64) | st.text(max_size=64)
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6)
)
# Wrong-typed values: scalars as often as containers, so a key that must be a
# dict or list meets an int, and the reverse.
json_values = scalars | st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def query_string(pairs: list[tuple[str, str]]) -> str:
    return "&".join(quote(key, safe="") + "=" + quote(value, safe="") for key, value in pairs)


def grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


@dataclass(frozen=True)
class Request:
    """A request as Django should see it; ``event`` is how ``source`` would send it."""

    method: str
    path: str
    pairs: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes | str | None
    base64_text: bool  # send a text body base64-encoded

    def event(self, source: str) -> dict[str, Any]:
        return make_event(
            source,
            method=self.method,
            path=quote(self.path, safe="/"),
            query=query_string(self.pairs),
            headers=self.headers,
            body=self.body,
            base64_encoded=isinstance(self.body, bytes) or self.base64_text,
        )

    @property
    def body_bytes(self) -> bytes:
        if self.body is None:
            return b""
        return self.body.encode() if isinstance(self.body, str) else self.body


def requests(
    *,
    methods: st.SearchStrategy[str],
    paths: st.SearchStrategy[str],
    pairs: st.SearchStrategy[list[tuple[str, str]]],
    headers: st.SearchStrategy[list[tuple[str, str]]],
) -> st.SearchStrategy[Request]:
    return st.builds(
        Request,
        method=methods,
        path=paths,
        pairs=pairs,
        headers=headers,
        body=bodies,
        base64_text=st.booleans(),
    )


def mutate(data: st.DataObject, event: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Up to three keys of ``event`` deleted or given a value of any JSON type; the keys changed."""
    changed = []
    for _ in range(data.draw(st.integers(min_value=0, max_value=3), label="changes")):
        candidates = key_paths(event)
        if not candidates:
            break
        # Top-level keys half the time: they are few, and the ones that matter most.
        top = [key for key in candidates if len(key) == 1]
        where = data.draw(st.sampled_from(top) | st.sampled_from(candidates), label="key")
        change(event, where, data.draw(st.just(DELETE) | json_values, label="new value"))
        changed.append(where)
    return changed


def is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except binascii.Error:
        return False
    return True


# --- properties -------------------------------------------------------------------


def test_every_source_is_fuzzed() -> None:
    assert set(FAMILIES) == set(FACTORIES)


@given(
    source=st.sampled_from(sorted(FACTORIES)),
    request=requests(
        methods=methods,
        paths=paths,
        pairs=st.lists(st.tuples(query_keys, query_values), max_size=5, unique_by=lambda kv: kv[0]),
        headers=x_headers,
    ),
)
def test_valid_request_reaches_the_view_unchanged(source: str, request: Request) -> None:
    result = lambda_handler(request.event(source), CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    seen = echo(result)
    assert seen["method"] == request.method
    assert seen["path_info"] == request.path
    assert seen["query"] == grouped(request.pairs)
    assert base64.b64decode(seen["body"]) == request.body_bytes
    received = {name.lower() for name in seen["headers"]}
    sent = {name.lower() for name, _ in request.headers}
    for name, _ in request.headers:
        if "_" in name:
            hyphenated = name.lower().replace("_", "-")
            assert hyphenated not in received or hyphenated in sent, (
                f"{name!r} reached Django on {source}"
            )
        else:
            assert name.lower() in received, f"{name!r} was lost on {source}"


@given(
    source=st.sampled_from(REPEATS_SURVIVE),
    pairs=st.lists(
        st.tuples(st.sampled_from(["a", "b", "é", "a b"]), query_values), min_size=2, max_size=6
    ),
)
def test_repeated_query_keys_survive(source: str, pairs: list[tuple[str, str]]) -> None:
    event = Request("GET", "/", pairs, headers=[], body=None, base64_text=False).event(source)
    assert echo(lambda_handler(event, CONTEXT))["query"] == grouped(pairs)


@given(
    data=st.data(),
    source=st.sampled_from(sorted(FACTORIES)),
    request=requests(
        methods=methods | st.just("HEAD") | st.text(max_size=6),
        paths=paths | st.text(max_size=20),
        pairs=st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=4),
        headers=any_headers,
    ),
)
def test_malformed_http_events_get_a_response_never_an_exception(
    data: st.DataObject, source: str, request: Request
) -> None:
    event = request.event(source)
    family = FAMILIES[source]
    touched_detection = any(
        where == key[: len(where)]
        for where in mutate(data, event)
        for key in DETECTION_KEYS[family]
    )

    try:
        result = lambda_handler(event, CONTEXT)
    except UnknownEventError as error:
        # Only an event that lost what made it HTTP may be refused, by name.
        assert touched_detection, f"{source} event refused: {error}"
        for key in event:
            assert str(key) in str(error)
        return
    if touched_detection:
        family = next((f for f, keys in RESULT_KEYS.items() if set(result) == keys), family)
    assert_valid_result(family, result)
    assert result["statusCode"] < 500, result


@pytest.mark.parametrize("source", sorted(FACTORIES))
@given(garbage=st.text(alphabet=string.ascii_letters + "=+/!", min_size=1, max_size=12))
def test_invalid_base64_body_is_a_400(source: str, garbage: str) -> None:
    assume(not is_base64(garbage))
    event = make_event(source, method="POST", path="/", body=b"x", base64_encoded=True)
    body_key = "request_body" if "request_body" in event else "body"
    event[body_key] = garbage
    result = lambda_handler(event, CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert result["statusCode"] == 400
    assert "base64" in result["body"]


# --- the hot path's shortcuts agree with the rules they shortcut ---------------------


@given(data=st.data(), source=st.sampled_from(sorted(FACTORIES)), headers=any_headers)
def test_source_for_answers_as_the_detect_chain_does(
    data: st.DataObject, source: str, headers: list[tuple[str, str]]
) -> None:
    event = make_event(source, headers=headers)
    mutate(data, event)
    expected = next((module for module in SOURCES if module.detect(event)), None)
    assert source_for(event) is expected


def _environ_or_error(module: Any, event: dict[str, Any]) -> Any:
    try:
        environ = module.to_environ(event)
    except Exception as error:  # compared by type and message
        return (type(error), str(error))
    # One wsgi.input object is no other's equal: compare what it reads.
    environ["wsgi.input"] = environ["wsgi.input"].read()
    return environ


@given(
    data=st.data(),
    source=st.sampled_from(sorted(FACTORIES)),
    request=requests(methods=methods, paths=paths, pairs=st.just([]), headers=any_headers),
    mutated=st.booleans(),
)
def test_header_fast_path_builds_the_environ_the_general_rules_do(
    data: st.DataObject, source: str, request: Request, mutated: bool
) -> None:
    event = request.event(source)
    if mutated:
        mutate(data, event)
    module = source_for(event)
    assume(module is not None)
    fast = _environ_or_error(module, event)
    with pytest.MonkeyPatch.context() as patch:
        # No layout memo: every header goes through add_headers, one at a time.
        patch.setattr(common, "_HEADER_LAYOUTS", {})
        patch.setattr(common, "_layout", lambda names: None)
        general = _environ_or_error(module, event)
    assert fast == general


LAMBDA_URL = "abc.lambda-url.eu-west-1.on.aws"


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"version": "2.0", "rawPath": "/"}, "apigw_v2"),
        ({"version": "2.0", "rawPath": "/", "requestContext": "damaged"}, "apigw_v2"),
        ({"version": "2.0", "requestContext": {"http": {}}}, "apigw_v2"),
        (
            {"version": "2.0", "requestContext": {"http": {}, "domainName": LAMBDA_URL}},
            "function_url",
        ),
        ({"version": "2.0", "rawPath": "/", "requestContext": {"domainName": 7}}, "apigw_v2"),
        ({"version": "1.0", "rawPath": "/", "requestContext": {"elb": {}}}, "alb"),
        ({"version": "2.0", "requestContext": {"serviceNetworkArn": "arn"}}, "lattice"),
        ({"requestContext": {"serviceArn": "arn"}, "httpMethod": "GET"}, "lattice"),
        ({"requestContext": {}, "path": "/"}, "apigw_v1"),
        ({"requestContext": None, "path": "/"}, "apigw_v1"),
        ({"httpMethod": "GET"}, "apigw_v1"),
        ({"path": "/"}, None),
        ({"requestContext": {}}, None),
        ({"requestContext": {}, "request_method": "GET"}, "kong"),
        ({"request_uri": "/"}, "kong"),
        ({}, None),
    ],
)
def test_source_for_edges(event: dict[str, Any], expected: str | None) -> None:
    chain = next((module for module in SOURCES if module.detect(event)), None)
    found = source_for(event)
    assert found is chain
    assert (found.__name__.rpartition(".")[2] if found else None) == expected
