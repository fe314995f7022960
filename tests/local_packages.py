"""Hand-made deploy packages for the local-run tests: a tiny handler, zipped."""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path

# Stands in for django_lambda.handler in a package: echoes what it was given
# and what the runtime told it, and fails or crashes on request.
ECHO_HANDLER = """
import os, sys, time

INIT_PID = os.getpid()
print("init in", os.environ["AWS_LAMBDA_FUNCTION_NAME"])


def lambda_handler(event, context):
    print("handling", sorted(event))
    if "fail" in event:
        raise ValueError(event["fail"])
    if "exit" in event:
        os._exit(event["exit"])
    if "sleep" in event:
        time.sleep(event["sleep"])
    if "http" in event:
        return event["http"]
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_arn": context.invoked_function_arn,
        "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
        "pid": INIT_PID,
        "sys_path": sys.path,
        "cwd": os.getcwd(),
        "environ": {
            name: os.environ.get(name)
            for name in (
                "AWS_LAMBDA_FUNCTION_NAME",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                "AWS_REGION",
                "LAMBDA_TASK_ROOT",
                "DJANGO_SETTINGS_MODULE",
                "GREETING",
            )
        },
    }
"""

BROKEN_HANDLER = """
import not_in_the_package


def lambda_handler(event, context):
    return {}
"""


def write_package(directory: Path, handler_source: str) -> Path:
    """A package directory whose ``django_lambda.handler`` is ``handler_source``."""
    (directory / "django_lambda").mkdir(parents=True)
    (directory / "django_lambda" / "__init__.py").write_text("")
    (directory / "django_lambda" / "handler.py").write_text(textwrap.dedent(handler_source))
    return directory


def zip_package(directory: Path, zip_path: Path) -> Path:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return zip_path


def make_zip(tmp_path: Path, handler_source: str = ECHO_HANDLER, name: str = "package") -> Path:
    source = write_package(tmp_path / f"{name}-src", handler_source)
    return zip_package(source, tmp_path / f"{name}.zip")


# Stands in for django_lambda.handler behind an HTTP front door: answers by path.
HTTP_HANDLER = """
import base64, json, os
from urllib.parse import parse_qs

BINARY = bytes(range(256))


def lambda_handler(event, context):
    v2 = event.get("version") == "2.0"
    path = event["rawPath"] if v2 else event["path"]
    method = event["requestContext"]["http"]["method"] if v2 else event["httpMethod"]
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    print(method, path)
    if path == "/binary":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(BINARY).decode(),
            "isBase64Encoded": True,
        }
    if path == "/cookies":
        cookies = ["a=1; Path=/", "b=2; Path=/", "c=3; Path=/; HttpOnly"]
        if v2:
            return {"statusCode": 204, "cookies": cookies, "body": ""}
        return {"statusCode": 204, "multiValueHeaders": {"Set-Cookie": cookies}, "body": ""}
    if path == "/headers":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(event["headers"] if v2 else event["multiValueHeaders"]),
        }
    if path == "/redirect":
        # As Django's redirects to request.build_absolute_uri() are.
        host = event["headers"]["host"] if v2 else event["multiValueHeaders"]["Host"][0]
        return {
            "statusCode": 302,
            "headers": {"Location": f"https://{host}/landed?x=1"},
            "cookies": [f"sessionid=s1; Domain={host}; Path=/; Secure; HttpOnly"],
            "body": "",
        }
    if path == "/crash":
        os._exit(1)
    if path == "/fail":
        raise RuntimeError("the handler failed")
    return {
        "statusCode": 201 if method == "POST" else 200,
        "headers": {"Content-Type": "application/json", "X-Pid": str(os.getpid())},
        "body": json.dumps(
            {
                "method": method,
                "path": path,
                "query": event.get("rawQueryString"),
                "cookies": event.get("cookies"),
                "form": parse_qs(body),
            }
        ),
        "isBase64Encoded": False,
    }
"""


# Writes where it is told ("{task_root}" is LAMBDA_TASK_ROOT) and says how each went.
WRITER_HANDLER = """
import os


def lambda_handler(event, context):
    writes = {}
    for path in event.get("write", []):
        path = path.format(task_root=os.environ["LAMBDA_TASK_ROOT"])
        try:
            with open(path, "w") as file:
                file.write("written")
            writes[path] = "ok"
        except OSError as error:
            writes[path] = f"[Errno {error.errno}] {error.strerror}"
    return {
        "uid": os.getuid(),
        "writes": writes,
        "exists": {path: os.path.exists(path) for path in event.get("exists", [])},
    }
"""

# Logs a record with a traceback, then another, as a view's error does.
LOGGING_HANDLER = """
import logging

logger = logging.getLogger("site")


def lambda_handler(event, context):
    try:
        open("/nonexistent/media/images")
    except OSError:
        logger.exception("Internal Server Error: /breads/")
    logger.error("second record")
    print("printed")
    return {}
"""
