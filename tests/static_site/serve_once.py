"""Serve one request for ``/`` in this fresh process and print what happened, as JSON.

``python -m tests.static_site.serve_once [--via wsgi|handler]``: with
``DJANGO_SETTINGS_MODULE`` set, build the site the way Lambda's init phase
does, serve the page, and print the status, the body, whether boto3,
botocore, moto or the build code were imported, and the peak memory in KiB.
Used by the no-boto3 test and by ``benchmarks/cold_start.py``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from typing import Any


def http_api_event(path: str = "/") -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) GET event, as AWS documents it."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "site.example.com", "x-forwarded-proto": "https"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "site.example.com",
            "domainPrefix": "site",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "serve-once",
            },
            "requestId": "serve-once",
            "routeKey": "$default",
            "stage": "$default",
            "time": "27/Nov/2026:20:00:00 +0000",
            "timeEpoch": 1795723200000,
        },
        "isBase64Encoded": False,
    }


def via_handler() -> tuple[int, str]:
    from django_lambda.handler import lambda_handler

    result = lambda_handler(http_api_event(), None)
    return int(result["statusCode"]), str(result.get("body", ""))


def via_wsgi() -> tuple[int, str]:
    from wsgiref.util import setup_testing_defaults

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    environ: dict[str, Any] = {"HTTP_HOST": "site.example.com", "PATH_INFO": "/"}
    setup_testing_defaults(environ)
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    response = application(environ, start_response)
    try:
        body = b"".join(response).decode()
    finally:
        response.close()
    return int(statuses[0].split()[0]), body


def peak_rss_kib() -> int:
    """This process's peak resident memory since exec, in KiB.

    Linux's VmHWM. ``ru_maxrss`` would also count the parent's memory: the
    child is forked from it, and the kernel keeps that high-water mark across
    exec.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--via", choices=["wsgi", "handler"], default="wsgi")
    args = parser.parse_args()
    status, body = via_handler() if args.via == "handler" else via_wsgi()
    report = {
        "status": status,
        "body": body,
        "boto3": "boto3" in sys.modules,
        "botocore": "botocore" in sys.modules,
        "build": "django_lambda.package" in sys.modules,
        "moto": "moto" in sys.modules,
        "maxrss_kib": peak_rss_kib(),
    }
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
