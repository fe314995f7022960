"""Adapter overhead: the same Django view behind each Lambda adapter, in microseconds per request.

Columns: (a) the WSGI app called directly with a prepared environ (the floor),
(b) django-lambda's handler, (c) apig-wsgi, (d) serverless-wsgi, (e) Mangum
over Django's ASGI app. Rows: one typical browser request as each event
source sends it. Run alone with ``python benchmarks/adapters.py``.

The same view runs on two sites (``--site``): "bare", with no middleware,
and "startproject", with the apps and middleware a new project has. Each
adapter's answer is checked before it is timed: status, page, the whole
set of response headers the site sends, and no database connection opened,
so a site that quietly lost its middleware cannot make the page cheaper.

Each cell is timed in a fresh Python process that runs nothing else, as on
Lambda: timing several adapters in one process lets each disturb the others'
specialized bytecode (CPython 3.11+), which moved results by 1.5x depending
only on the order they ran in. The processes take turns, round after round,
so a busy neighbour slows every cell alike; the table shows the median over
rounds of each process's median, and the ratios of the fastest runs.
"""

from __future__ import annotations

import argparse
import base64
import copy
import importlib.util
import io
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The bare site, for anyone importing this module; ``--one`` sets its cell's site.
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"

from benchmarks import events
from benchmarks.common import machine, run_times, table, write

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class Site:
    """A settings module serving the page, and the response headers it must answer with."""

    settings: str
    meaning: str
    # Every header, by lower-case name; None: present, with any value.
    headers: dict[str, str | None]


SITES = {
    "bare": Site(
        "benchmarks.settings",
        "No middleware: the smallest floor, so the worst case for every adapter's ratio.",
        {"content-type": "text/html; charset=utf-8"},
    ),
    "startproject": Site(
        "benchmarks.settings_startproject",
        "The apps and middleware of a new `django-admin startproject` project: "
        "what a typical Django site runs per request.",
        {
            "content-type": "text/html; charset=utf-8",
            "content-length": None,
            "x-frame-options": "DENY",
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "cross-origin-opener-policy": "same-origin",
        },
    ),
}


def make_django_lambda() -> Handler:
    from django_lambda.handler import lambda_handler

    return lambda_handler


def make_apig_wsgi() -> Handler:
    from apig_wsgi import make_lambda_handler
    from django.core.wsgi import get_wsgi_application

    return make_lambda_handler(get_wsgi_application())


def make_serverless_wsgi() -> Handler:
    import serverless_wsgi
    from django.core.wsgi import get_wsgi_application

    wsgi_app = get_wsgi_application()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = serverless_wsgi.handle_request(wsgi_app, event, context)
        return result

    return handler


def make_mangum() -> Handler:
    from django.core.asgi import get_asgi_application
    from mangum import Mangum

    # Django's ASGIHandler is a valid ASGI app; its annotations differ from Mangum's.
    asgi_app: Any = get_asgi_application()
    return Mangum(asgi_app, lifespan="off")


# Column -> (the module it needs, how to make its handler).
ADAPTERS: dict[str, tuple[str, Callable[[], Handler]]] = {
    "(b) django-lambda": ("django_lambda.handler", make_django_lambda),
    "(c) apig-wsgi": ("apig_wsgi", make_apig_wsgi),
    "(d) serverless-wsgi": ("serverless_wsgi", make_serverless_wsgi),
    "(e) Mangum (ASGI)": ("mangum", make_mangum),
}
FLOOR = "(a) WSGI direct"


def call_wsgi_directly() -> Callable[[], list[tuple[str, str]]]:
    """The floor: Django's WSGI app with a ready environ, as a WSGI server would call it.

    A call returns the response headers; status and page are checked on every call.
    """
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    prepared = events.wsgi_environ()

    def call() -> list[tuple[str, str]]:
        environ = dict(prepared)
        environ["wsgi.input"] = io.BytesIO(b"")
        started: list[tuple[str, list[tuple[str, str]]]] = []
        result = app(
            environ, lambda status, headers, exc_info=None: started.append((status, headers))
        )
        try:
            body = b"".join(result)
        finally:
            result.close()
        if (
            len(started) != 1
            or started[0][0] != "200 OK"
            or events.EXPECTED_BODY.encode() not in body
        ):
            raise AssertionError(f"the WSGI floor answered {started} {body[:200]!r}")
        return started[0][1]

    return call


def response_headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    """Every header of an adapter's answer, wherever its payload format puts it."""
    pairs = list((result.get("headers") or {}).items())
    for name, values in (result.get("multiValueHeaders") or {}).items():
        pairs.extend((name, value) for value in values)
    pairs.extend(("set-cookie", cookie) for cookie in result.get("cookies") or [])
    return pairs


def check_headers(site: Site, who: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Refuse a response whose headers are not exactly the ones the site's middleware sends."""
    seen: dict[str, list[str]] = {}
    for name, value in pairs:
        seen.setdefault(name.lower(), []).append(value)
    wrong = {
        name: seen.get(name)
        for name, value in site.headers.items()
        if value is not None and seen.get(name) != [value]
    }
    if sorted(seen) != sorted(site.headers) or wrong:
        raise AssertionError(
            f"{who} answered with headers {seen}, but {site.settings} sends {site.headers}: "
            "is DJANGO_SETTINGS_MODULE the site's?"
        )


def check_response(
    site: Site, name: str, source: str, event: dict[str, Any], handler: Handler
) -> None:
    """Refuse to time an adapter that does not serve the page (or that changes its input)."""
    pristine = copy.deepcopy(event)
    result = handler(event, events.FakeContext())
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    if result.get("statusCode") != 200 or events.EXPECTED_BODY not in body:
        raise AssertionError(f"{name} on {source} answered {result!r}")
    check_headers(site, f"{name} on {source}", response_headers(result))
    if event != pristine:
        raise AssertionError(f"{name} modified the {source} event; timing it would be unfair")


def check_no_database(who: str, call: Callable[[], object]) -> None:
    """Run ``call`` once; fail if it opened a database connection (so it ran no query).

    A signal, not CaptureQueriesContext: Mangum's requests run in another
    thread, with their own connection, which a context here would not see.
    """
    from django.db.backends.signals import connection_created

    opened: list[str] = []

    def record(sender: object, connection: Any, **kwargs: object) -> None:
        opened.append(connection.alias)

    connection_created.connect(record)
    try:
        call()
    finally:
        connection_created.disconnect(record)
    if opened:
        raise AssertionError(f"{who} opened database connection(s) {opened}; the page needs none")


def time_one(
    site: Site, column: str, source: str, *, number: int, repeat: int, warmup: int
) -> tuple[float, float]:
    """In this process: one cell's median and fastest microseconds per request."""
    if column == FLOOR:
        floor = call_wsgi_directly()
        check_no_database(FLOOR, lambda: check_headers(site, FLOOR, floor()))
        call: Callable[[], object] = floor
    else:
        handler = ADAPTERS[column][1]()
        event = events.EVENTS[source]()
        check_no_database(
            f"{column} on {source}", partial(check_response, site, column, source, event, handler)
        )
        call = partial(handler, event, events.FakeContext())
    times = run_times(call, number=number, repeat=repeat, warmup=warmup)
    return statistics.median(times), min(times)


def run(*, site: str, rounds: int, number: int, repeat: int, warmup: int) -> tuple[str, str]:
    """Two tables for ``site``: medians (with ratios), and the ratios of the fastest runs."""
    columns = [FLOOR] + [
        name if importlib.util.find_spec(module) else f"{name} (not installed)"
        for name, (module, _) in ADAPTERS.items()
    ]
    measured = [c for c in columns if not c.endswith("(not installed)")]
    timing = [f"--number={number}", f"--repeat={repeat}", f"--warmup={warmup}"]
    medians: dict[tuple[str, str], list[float]] = {}
    fastest: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for source in events.EVENTS:
            for column in measured:
                done = subprocess.run(
                    [sys.executable, __file__, "--site", site, "--one", column, source, *timing],
                    capture_output=True,
                    text=True,
                )
                if done.returncode != 0:
                    raise SystemExit(f"{column} on {source} ({site}) failed:\n{done.stderr}")
                median, best = map(float, done.stdout.split())
                medians.setdefault((source, column), []).append(median)
                fastest.setdefault((source, column), []).append(best)
    median_rows: list[list[object]] = []
    fastest_rows: list[list[object]] = []
    for source in events.EVENTS:
        floor = statistics.median(medians[source, FLOOR])
        floor_best = min(fastest[source, FLOOR])
        median_row: list[object] = [source, f"{floor:.0f}"]
        fastest_row: list[object] = [source, "1.00x"]
        for column in columns[1:]:
            if column not in measured:
                median_row.append("-")
                fastest_row.append("-")
                continue
            micros = statistics.median(medians[source, column])
            median_row.append(f"{micros:.0f} ({micros / floor:.2f}x)")
            fastest_row.append(f"{min(fastest[source, column]) / floor_best:.2f}x")
        median_rows.append(median_row)
        fastest_rows.append(fastest_row)
    headers = ["event", *columns]
    return table(headers, median_rows), table(headers, fastest_rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="processes per cell, in turns")
    parser.add_argument("--number", type=int, default=100, help="calls per timed run")
    parser.add_argument("--repeat", type=int, default=31, help="timed runs per process")
    parser.add_argument("--warmup", type=int, default=300, help="untimed calls first")
    parser.add_argument(
        "--site", choices=[*SITES, "both"], default="both", help="which site serves the page"
    )
    parser.add_argument(
        "--one",
        nargs=2,
        metavar=("COLUMN", "EVENT"),
        help="time one cell of one --site (used internally)",
    )
    args = parser.parse_args(argv)
    timing = {"number": args.number, "repeat": args.repeat, "warmup": args.warmup}
    if args.one:
        if args.site not in SITES:
            parser.error(f"--one times one site; pass --site {' or '.join(SITES)}")
        column, source = args.one
        site = SITES[args.site]
        # Django reads it when first configured, which is later than this.
        os.environ["DJANGO_SETTINGS_MODULE"] = site.settings
        median, best = time_one(site, column, source, **timing)
        sys.stdout.write(f"{median} {best}\n")
        return
    write("## Adapter overhead")
    write()
    write(
        f"Microseconds per request: median over {args.rounds} fresh processes per cell of "
        f"each one's median of {args.repeat} runs of {args.number} requests"
    )
    write(f"(ratio to the direct WSGI call). {machine()}.")
    write()
    for name in SITES if args.site == "both" else [args.site]:
        write(f"### Site: {name}")
        write()
        write(SITES[name].meaning)
        write()
        medians, fastest = run(site=name, rounds=args.rounds, **timing)
        write(medians)
        write()
        write("Ratios of the fastest run of all, which the machine's other load disturbs least:")
        write()
        write(fastest)
        write()


if __name__ == "__main__":
    main()
