"""Adapter overhead: the same Django view behind each Lambda adapter, in microseconds per request.

Columns: (a) the WSGI app called directly with a prepared environ (the floor),
(b) django-lambda's handler, (c) apig-wsgi, (d) serverless-wsgi, (e) Mangum
over Django's ASGI app. Rows: one typical browser request as each event
source sends it. Run alone with ``python benchmarks/adapters.py``.

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
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"

from benchmarks import events
from benchmarks.common import machine, run_times, table, write

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


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


def time_one(
    column: str, source: str, *, number: int, repeat: int, warmup: int
) -> tuple[float, float]:
    """In this process: one cell's median and fastest microseconds per request."""
    if column == FLOOR:
        call: Callable[[], object] = call_wsgi_directly()
        call()
    else:
        handler = ADAPTERS[column][1]()
        event = events.EVENTS[source]()
        check_response(column, source, event, handler)
        call = partial(handler, event, events.FakeContext())
    times = run_times(call, number=number, repeat=repeat, warmup=warmup)
    return statistics.median(times), min(times)


def run(*, rounds: int, number: int, repeat: int, warmup: int) -> tuple[str, str]:
    """Two tables: medians (with ratios), and the ratios of the fastest runs."""
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
                    [sys.executable, __file__, "--one", column, source, *timing],
                    capture_output=True,
                    text=True,
                )
                if done.returncode != 0:
                    raise SystemExit(f"{column} on {source} failed:\n{done.stderr}")
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
        "--one", nargs=2, metavar=("COLUMN", "EVENT"), help="time one cell (used internally)"
    )
    args = parser.parse_args(argv)
    timing = {"number": args.number, "repeat": args.repeat, "warmup": args.warmup}
    if args.one:
        column, source = args.one
        median, best = time_one(column, source, **timing)
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
    medians, fastest = run(rounds=args.rounds, **timing)
    write(medians)
    write()
    write("Ratios of the fastest run of all, which the machine's other load disturbs least:")
    write()
    write(fastest)
    write()


if __name__ == "__main__":
    main()
