"""Adapter overhead: the same Django view behind each Lambda adapter, in microseconds per request.

Columns: (a) the WSGI app called directly with a prepared environ (the floor),
(b) django-lambda's handler, (c) apig-wsgi, (d) serverless-wsgi, (e) Mangum
over Django's ASGI app. Rows: one typical browser request as each event
source sends it. Run alone with ``python benchmarks/adapters.py``.
"""

from __future__ import annotations

import argparse
import base64
import copy
import importlib.util
import io
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"

from benchmarks import events
from benchmarks.common import machine, median_microseconds, table, write

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def lambda_handlers() -> dict[str, Handler | None]:
    """Each adapter's ``(event, context)`` callable; None where it is not installed."""
    from django.core.asgi import get_asgi_application
    from django.core.wsgi import get_wsgi_application

    wsgi_app = get_wsgi_application()
    handlers: dict[str, Handler | None] = {}

    if importlib.util.find_spec("django_lambda.handler") is None:
        handlers["(b) django-lambda"] = None
    else:
        from django_lambda.handler import lambda_handler

        handlers["(b) django-lambda"] = lambda_handler

    if importlib.util.find_spec("apig_wsgi") is None:
        handlers["(c) apig-wsgi"] = None
    else:
        from apig_wsgi import make_lambda_handler

        handlers["(c) apig-wsgi"] = make_lambda_handler(wsgi_app)

    if importlib.util.find_spec("serverless_wsgi") is None:
        handlers["(d) serverless-wsgi"] = None
    else:
        import serverless_wsgi

        def serverless_wsgi_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            result: dict[str, Any] = serverless_wsgi.handle_request(wsgi_app, event, context)
            return result

        handlers["(d) serverless-wsgi"] = serverless_wsgi_handler

    if importlib.util.find_spec("mangum") is None:
        handlers["(e) Mangum (ASGI)"] = None
    else:
        from mangum import Mangum

        # Django's ASGIHandler is a valid ASGI app; its annotations differ from Mangum's.
        asgi_app: Any = get_asgi_application()
        handlers["(e) Mangum (ASGI)"] = Mangum(asgi_app, lifespan="off")
    return handlers


def call_wsgi_directly() -> Callable[[], bytes]:
    """The floor: Django's WSGI app with a ready environ, as a WSGI server would call it."""
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    prepared = events.wsgi_environ()

    def call() -> bytes:
        environ = dict(prepared)
        environ["wsgi.input"] = io.BytesIO(b"")
        statuses: list[str] = []
        result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            body = b"".join(result)
        finally:
            result.close()
        if statuses != ["200 OK"] or events.EXPECTED_BODY.encode() not in body:
            raise AssertionError(f"the WSGI floor answered {statuses} {body[:200]!r}")
        return body

    return call


def check_response(name: str, source: str, event: dict[str, Any], handler: Handler) -> None:
    """Refuse to time an adapter that does not serve the page (or that changes its input)."""
    pristine = copy.deepcopy(event)
    result = handler(event, events.FakeContext())
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    if result.get("statusCode") != 200 or events.EXPECTED_BODY not in body:
        raise AssertionError(f"{name} on {source} answered {result!r}")
    if event != pristine:
        raise AssertionError(f"{name} modified the {source} event; timing it would be unfair")


def run(*, number: int, repeat: int, warmup: int) -> str:
    floor = call_wsgi_directly()
    floor()
    handlers = lambda_handlers()
    context = events.FakeContext()
    rows: list[list[object]] = []
    for source, make_event in events.EVENTS.items():
        calls: dict[str, Callable[[], object]] = {"floor": floor}
        for name, handler in handlers.items():
            if handler is not None:
                event = make_event()
                check_response(name, source, event, handler)
                calls[name] = partial(handler, event, context)
        micros = median_microseconds(calls, number=number, repeat=repeat, warmup=warmup)
        row: list[object] = [source, f"{micros['floor']:.0f}"]
        for name in handlers:
            if name in micros:
                row.append(f"{micros[name]:.0f} ({micros[name] / micros['floor']:.2f}x)")
            else:
                row.append("not installed")
        rows.append(row)
    headers = ["event", "(a) WSGI direct", *handlers]
    return table(headers, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=100, help="calls per timed run")
    parser.add_argument("--repeat", type=int, default=61, help="timed runs; the median is shown")
    parser.add_argument("--warmup", type=int, default=200, help="untimed calls first")
    args = parser.parse_args(argv)
    write("## Adapter overhead")
    write()
    write(f"Microseconds per request, median of {args.repeat} runs of {args.number} requests")
    write(f"(ratio to the direct WSGI call). {machine()}.")
    write()
    write(run(number=args.number, repeat=args.repeat, warmup=args.warmup))
    write()


if __name__ == "__main__":
    main()
