"""What every event source shares on the request side: event -> WSGI environ pieces.

The source modules next to this one only say where their event keeps each
piece and which response shape their caller expects; every rule lives here
(the query string's in ``queries``, the response's in ``results``), once.
The rules are listed in docs/explanation/architecture.md, "The request path and the
event contract"; the peer bugs behind them are linked where each is kept.
"""

from __future__ import annotations

import base64
import binascii
import io
import sys
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import unquote_to_bytes

from django_lambda.conf import handler_settings

Event = dict[str, Any]
Environ = dict[str, Any]


class BadEvent(Exception):
    """An HTTP-shaped event that cannot be turned into a request; answered with a 400."""


# Host header -> (SERVER_NAME, port or "", is an execute-api host); a site
# answers on a handful of hosts.
_SERVERS: dict[str, tuple[str, str, bool]] = {}


def parse_server(host: str) -> tuple[str, str, bool]:
    """The server name and port in a Host header, and whether it is API Gateway's own."""
    name, port = host, ""
    if ":" in host:
        name, _, port = host.rpartition(":")
        if "]" in port:  # an IPv6 address without a port
            name, port = host, ""
    server = (name, port, is_execute_api(name))
    if len(_SERVERS) < 100:
        _SERVERS[host] = server
    return server


# --- request side -------------------------------------------------------------

# The parts of the environ that never change; copied into each request's.
BASE_ENVIRON: Environ = {
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


class EmptyInput:
    """``wsgi.input`` for a request without a body (most of them).

    It reads nothing and keeps no state, not even a position, so one object
    serves every request; a ``BytesIO`` per request costs more than the rest
    of the environ's fixed keys together.
    """

    __slots__ = ()

    def read(self, size: int | None = -1) -> bytes:
        return b""

    def readline(self, size: int | None = -1) -> bytes:
        return b""

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        return []

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    def close(self) -> None:
        pass


EMPTY_INPUT = EmptyInput()


def wsgi_str(text: str) -> str:
    """A str as WSGI carries it: latin-1 of its UTF-8 bytes (PEP 3333)."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def decoded_path(path: Any) -> str:
    """A still percent-encoded path, decoded exactly once, as a WSGI str.

    REST APIs, Function URLs, ALB, Kong and VPC Lattice send the path as the
    client wrote it, so ``/a%2541`` must become ``/a%41`` (never ``/aA``).
    """
    path = required_str(path, "path")
    if "%" not in path:
        return wsgi_str(path)
    return unquote_to_bytes(path).decode("latin-1")


def plain_path(path: Any) -> str:
    """A path API Gateway has already decoded (HTTP APIs), as a WSGI str.

    HTTP APIs decode the path before the event is made (middleapi/standard-server#93),
    so it must not be decoded again.
    """
    return wsgi_str(required_str(path, "path"))


def required_str(value: Any, what: str) -> str:
    if type(value) is not str:
        if value is None:
            raise BadEvent(f"The event has no {what}.")
        raise BadEvent(f"The event's {what} must be a string, not {type(value).__name__}.")
    return value


def body_bytes(body: Any, is_base64: Any) -> bytes:
    """The request body: base64-decoded whenever the event says so, for every method."""
    if body is None:
        return b""
    if type(body) is not str:
        raise BadEvent(f"The event's body must be a string or null, not {type(body).__name__}.")
    if is_base64:
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error:
            raise BadEvent(
                "The event's body is not valid base64 (isBase64Encoded is true)."
            ) from None
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        raise BadEvent("The event's body is not valid Unicode text.") from None


# Header name -> environ key (None: dropped), filled as names are seen.
_HEADER_KEYS: dict[str, str | None] = {}
# A request's header names, in order -> their environ keys and a template
# environ holding those keys and every key finish_environ sets; None when a
# name is dropped or two names share a key. A client sends the same names
# request after request, so this is usually a hit.
_HEADER_LAYOUTS: dict[tuple[str, ...], tuple[tuple[str, ...], Environ] | None] = {}
# Clients choose names: keep both memos bounded.
_MEMO_SIZE = 1000

# The keys finish_environ always sets; a template holds them so that copying
# it gives a dict already sized for the whole environ.
_ALWAYS_SET = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_LENGTH",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "wsgi.input",
)


def _template(keys: tuple[str, ...]) -> Environ:
    # Placeholder values only: every one is overwritten before the environ is used.
    template: Environ = dict.fromkeys(keys, "")
    template.update(dict.fromkeys(_ALWAYS_SET, ""))
    template.update(BASE_ENVIRON)
    return template


_EMPTY_TEMPLATE = _template(())


def _environ_key(name: str) -> str | None:
    key: str | None
    if "_" in name:
        # Dropped, as gunicorn and runserver do: X_Forwarded_For is no X-Forwarded-For.
        key = None
    else:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):  # CONTENT_LENGTH: set from the body later
            key = "HTTP_" + key
    if len(_HEADER_KEYS) < _MEMO_SIZE:
        _HEADER_KEYS[name] = key
    return key


def _layout(names: tuple[str, ...]) -> tuple[tuple[str, ...], Environ] | None:
    keys = tuple(
        _HEADER_KEYS[name] if name in _HEADER_KEYS else _environ_key(name) for name in names
    )
    layout = None
    if None not in keys and len(set(keys)) == len(keys):
        known = cast("tuple[str, ...]", keys)
        layout = (known, _template(known))
    if len(_HEADER_LAYOUTS) < _MEMO_SIZE:
        _HEADER_LAYOUTS[names] = layout
    return layout


def header_environ(headers: Any) -> Environ:
    """A new environ holding the request headers as ``HTTP_*`` keys, to pass to ``finish_environ``.

    Names are case-insensitive and repeats join with "," ("; " for Cookie).
    A name containing "_" is dropped. Values may be strings or lists of
    strings (multi-value sources).
    """
    if not headers:
        return _EMPTY_TEMPLATE.copy()
    if type(headers) is not dict:
        raise BadEvent(f"The event's headers must be an object, not {type(headers).__name__}.")
    names = tuple(headers)
    layout = _HEADER_LAYOUTS.get(names)
    if layout is None and names not in _HEADER_LAYOUTS:
        layout = _layout(names)
    if layout is not None:
        # The usual request: one ASCII string per name (or a list of one, from a
        # multi-value source). Checked and copied without a Python-level loop.
        values: Any = headers.values()
        ascii = False
        try:
            if type(next(iter(values))) is not list:
                ascii = "".join(values).isascii()
            elif set(map(type, values)) == {list}:
                # A multi-value source: usable here only if every name has one value.
                values = [value for (value,) in values]
                ascii = "".join(values).isascii()
        except (TypeError, ValueError):
            pass  # a value that is no string, or a name with several values
        if ascii:
            environ = layout[1].copy()
            environ.update(zip(layout[0], values, strict=False))  # from one dict: same length
            return environ
    environ = _EMPTY_TEMPLATE.copy()
    add_headers(environ, headers)
    return environ


def add_headers(environ: Environ, headers: Any) -> None:
    """Copy request headers into ``HTTP_*`` keys, joining onto those already there.

    The rules are those of ``header_environ``, applied one header at a time.
    """
    if not headers:
        return
    if type(headers) is not dict:
        raise BadEvent(f"The event's headers must be an object, not {type(headers).__name__}.")
    for name, value in headers.items():
        key = _HEADER_KEYS[name] if name in _HEADER_KEYS else _environ_key(name)
        if type(value) is not str:
            if type(value) is not list:
                raise _bad_header(name, value)
            for item in value:
                if type(item) is not str:
                    raise _bad_header(name, item)
            if len(value) == 1:
                value = value[0]
            elif value:
                value = ("; " if key == "HTTP_COOKIE" else ",").join(value)
            else:
                continue
        if key is None:
            continue
        if not value.isascii():
            value = value.encode("utf-8").decode("latin-1")
        if key in environ:
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        environ[key] = value


def add_cookies(environ: Environ, cookies: Any) -> None:
    """Payload 2.0 sends the request's cookies apart from its headers: join them into Cookie."""
    if type(cookies) is list and "HTTP_COOKIE" not in environ:
        try:
            joined = "; ".join(cookies)
        except TypeError:
            pass  # a cookie that is no string: add_headers names it
        else:
            if joined.isascii():
                environ["HTTP_COOKIE"] = joined
                return
    add_headers(environ, {"cookie": cookies})


def _bad_header(name: str, value: Any) -> BadEvent:
    return BadEvent(
        f"Header {name!r} has a {type(value).__name__} value; header values must be strings."
    )


def last_forwarded_for(environ: Environ) -> str | None:
    """The address the load balancer appended to X-Forwarded-For (the last one).

    The first entries come from the client and can say anything.
    """
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    if not forwarded:
        return None
    return forwarded.rpartition(",")[2].strip() or None


def is_execute_api(host: str) -> bool:
    return ".execute-api." in host and host.endswith((".amazonaws.com", ".amazonaws.com.cn"))


def strip_prefix(path_info: str, prefix: str) -> str | None:
    """``path_info`` without ``prefix``, if it starts with it on a segment boundary."""
    if path_info == prefix:
        return ""
    if path_info.startswith(prefix) and path_info[len(prefix)] == "/":
        return path_info[len(prefix) :]
    return None


# X-Forwarded-Proto values that set wsgi.url_scheme (others leave it https).
_SCHEMES = {"http": "http", "https": "https"}


def finish_environ(
    environ: Environ,
    *,
    method: Any,
    path_info: str,
    query: str,
    body: bytes,
    domain: Any,
    remote_addr: Any,
    stage: Any = None,
    stage_in_path: bool = False,
) -> Environ:
    """Fill in everything that follows from the headers in ``environ`` (from ``header_environ``).

    ``stage`` is the API Gateway stage: on an execute-api host it goes into
    SCRIPT_NAME (``stage_in_path`` says whether the source also left it in
    front of the path). On any other host the BASE_PATH setting plays the
    same part for custom domains.
    """
    if type(method) is not str:
        method = required_str(method, "HTTP method")
    environ["REQUEST_METHOD"] = method.upper()
    environ["QUERY_STRING"] = query
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
    else:
        environ["CONTENT_LENGTH"] = "0"
        environ["wsgi.input"] = EMPTY_INPUT

    scheme = environ.get("HTTP_X_FORWARDED_PROTO")
    if scheme != "https" and scheme != "http":
        # The client may send any value: only these two are schemes a request
        # can have arrived by, anything else is ignored.
        scheme = "https" if scheme is None else _SCHEMES.get(scheme.strip().lower(), "https")
    environ["wsgi.url_scheme"] = scheme
    host = environ.get("HTTP_HOST")
    if not host:
        # Tool-made events (console test button, SAM) often have no Host header.
        host = domain if type(domain) is str and domain else "localhost"
        environ["HTTP_HOST"] = host
    server = _SERVERS.get(host)
    if server is None:
        server = parse_server(host)
    environ["SERVER_NAME"] = server[0]
    environ["SERVER_PORT"] = (
        environ.get("HTTP_X_FORWARDED_PORT") or server[1] or ("443" if scheme == "https" else "80")
    )
    if type(remote_addr) is str:
        environ["REMOTE_ADDR"] = remote_addr

    script_name = ""
    if stage and server[2] and stage != "$default" and type(stage) is str:
        script_name = "/" + wsgi_str(stage)
        if stage_in_path:
            stripped = strip_prefix(path_info, script_name)
            if stripped is not None:
                path_info = stripped
    elif base_path := handler_settings().base_path:
        script_name = base_path
        stripped = strip_prefix(path_info, script_name)
        if stripped is not None:
            path_info = stripped
    environ["SCRIPT_NAME"] = script_name
    environ["PATH_INFO"] = path_info
    return environ
