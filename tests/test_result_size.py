"""Results Lambda would refuse never leave the handler: measured as the runtime client sends them.

The oracle is the installed awslambdaric's own marshaller, told which runtime
it runs on through AWS_EXECUTION_ENV, as on Lambda: python3.10 and 3.11 escape
non-ASCII characters, python3.12 and later do not.
"""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller
from django.core import management
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import HttpRequest, HttpResponse
from django.urls import path

from django_lambda import gate, limits, remote
from django_lambda.handler import lambda_handler
from tests.factories import FACTORIES, make_event

pytestmark = pytest.mark.urls("tests.test_result_size")
CONTEXT = SimpleNamespace(aws_request_id="size-request")
LIMIT = limits.RESPONSE_LIMIT
RUNTIMES = {"python3.11": True, "python3.12": False}


def cjk(request: HttpRequest) -> HttpResponse:
    return HttpResponse("中" * int(request.GET["chars"]), content_type="text/plain; charset=utf-8")


def emoji(request: HttpRequest) -> HttpResponse:
    return HttpResponse("😀" * int(request.GET["chars"]), content_type="text/plain; charset=utf-8")


def cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("many cookies", content_type="text/plain")
    for n in range(int(request.GET["count"])):
        response.set_cookie(f"c{n}", "v" * int(request.GET["size"]))
    return response


def small(request: HttpRequest) -> HttpResponse:
    return HttpResponse("é small", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("cjk/", cjk),
    path("emoji/", emoji),
    path("cookies/", cookies),
    path("small/", small),
]


@pytest.fixture(params=sorted(RUNTIMES))
def runtime(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The function's runtime: the handler measures, and awslambdaric encodes, as on it."""
    name: str = request.param
    monkeypatch.setenv("AWS_EXECUTION_ENV", f"AWS_Lambda_{name}")
    monkeypatch.setattr(limits, "ENSURE_ASCII", limits.escapes_non_ascii(f"AWS_Lambda_{name}"))
    return name


def sent_size(result: Any) -> int:
    """The bytes the runtime client posts for ``result`` (AWS_EXECUTION_ENV decides how)."""
    encoded, content_type = LambdaMarshaller().marshal_response(result)
    assert content_type == "application/json"
    return len(encoded.encode("utf-8"))


@pytest.mark.parametrize(
    ("execution_env", "escapes"),
    [
        ("AWS_Lambda_python3.10", True),
        ("AWS_Lambda_python3.11", True),
        ("AWS_Lambda_python3.12", False),
        ("AWS_Lambda_python3.13", False),
        ("AWS_Lambda_python3.14", False),
        ("AWS_Lambda_python3.9", True),
        ("AWS_Lambda_nodejs20.x", True),
        ("", True),
        (None, True),
    ],
)
def test_which_runtimes_escape(execution_env: str | None, escapes: bool) -> None:
    assert limits.escapes_non_ascii(execution_env) is escapes


def test_the_measure_is_the_runtime_clients(runtime: str) -> None:
    result = {
        "statusCode": 200,
        "headers": {"Content-Type": "text/plain", "X-Note": 'quote " and \\ slash'},
        "cookies": ["a=é; Path=/", "b=中"],
        "body": "中文 😀 é \x01 \t\n \u2028 </script> " * 1000,
        "isBase64Encoded": False,
    }
    assert limits.serialized_size(result) == sent_size(result)


@pytest.mark.parametrize(
    ("view", "count"),
    [
        # 3.6 MB of UTF-8; escaped, 7.2 MB (six bytes a character)
        ("cjk", 1_200_000),
        # 2.4 MB of UTF-8; escaped, 7.2 MB (twelve bytes a character, a surrogate pair)
        ("emoji", 600_000),
    ],
)
def test_a_body_escaping_takes_over_the_limit_is_a_502_on_3_11_only(
    view: str, count: int, runtime: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="django_lambda.handler"):
        result = lambda_handler(
            make_event("apigw_v2", path=f"/{view}/", query=f"chars={count}"), CONTEXT
        )
    if RUNTIMES[runtime]:
        assert result["statusCode"] == 502
        [record] = caplog.records
        logged = json.loads(record.getMessage())
        assert logged["message"] == "response too large"
        assert logged["size"] > LIMIT
        assert f"The response is {logged['size']} bytes" in result["body"]
    else:
        assert result["statusCode"] == 200
        assert caplog.records == []
    assert sent_size(result) <= LIMIT


# Sources that take one value per header name carry several Set-Cookie headers
# under different spellings of the name, and "Set-Cookie" has 512 of them.
SPELLED = ("alb", "lattice", "lattice_v1")


def many_cookies(source: str, total: int) -> str:
    """A query for the cookies view: about ``total`` bytes of Set-Cookie headers."""
    count, size = (450, total // 450) if source in SPELLED else (1800, total // 1800)
    return f"count={count}&size={size}"


@pytest.mark.slow
@pytest.mark.parametrize("source", sorted(FACTORIES))
def test_cookies_over_the_limit_with_a_small_body_are_a_502(
    source: str, runtime: str, caplog: pytest.LogCaptureFixture
) -> None:
    # As measured: 1,800 cookies of 4 KB serialise to 7.2 MB.
    event = make_event(source, path="/cookies/", query=many_cookies(source, 7_200_000))
    with caplog.at_level(logging.ERROR, logger="django_lambda.handler"):
        result = lambda_handler(event, CONTEXT)
    assert result["statusCode"] == 502
    assert json.loads(caplog.records[0].getMessage())["size"] > LIMIT
    assert sent_size(result) <= LIMIT


@pytest.mark.slow
@pytest.mark.parametrize("source", sorted(FACTORIES))
def test_cookies_just_under_the_limit_pass(source: str, runtime: str) -> None:
    event = make_event(source, path="/cookies/", query=many_cookies(source, 5_800_000))
    result = lambda_handler(event, CONTEXT)
    assert result["statusCode"] == 200
    assert 5_800_000 < sent_size(result) <= LIMIT


def test_a_small_result_is_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    def measure(value: Any) -> int:
        raise AssertionError("measured a small result")

    monkeypatch.setattr(limits, "serialized_size", measure)
    for source in sorted(FACTORIES):
        assert lambda_handler(make_event(source, path="/small/"), CONTEXT)["statusCode"] == 200


# --- management command output --------------------------------------------------

KEY = "size-tests-function-key"
LINE = "line {n:07d} of the output\n"  # 27 bytes


class Loud(BaseCommand):
    """Writes numbered lines to stdout and stderr, then exits with the given status."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stdout-bytes", type=int, default=0)
        parser.add_argument("--stderr-bytes", type=int, default=0)
        parser.add_argument("--text", default="")
        parser.add_argument("--exit", type=int, default=0)

    def handle(
        self, *args: Any, stdout_bytes: int, stderr_bytes: int, text: str, exit: int, **options: Any
    ) -> None:
        for stream, size in ((self.stdout, stdout_bytes), (self.stderr, stderr_bytes)):
            line = text + LINE
            stream.write(
                "".join(line.format(n=n) for n in range(size // len(line.encode()))), ending=""
            )
        if exit:
            raise CommandError("done", returncode=exit)


@pytest.fixture
def loud(monkeypatch: pytest.MonkeyPatch) -> None:
    commands = {**management.get_commands(), "loud": Loud()}
    monkeypatch.setattr(management, "get_commands", lambda: commands)
    monkeypatch.setenv(gate.KEY_VARIABLE, KEY)


def manage(command_line: str, caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    with caplog.at_level(logging.WARNING, logger="django_lambda.handler"):
        return lambda_handler(remote.command_event(command_line, KEY), CONTEXT)


def full_output(lines: int, text: str = "") -> str:
    return "".join((text + LINE).format(n=n) for n in range(lines))


def check_cut(kept: str, whole: str, name: str) -> int:
    """``kept`` is the start and the end of ``whole`` around a line giving the cut bytes."""
    head, marker, tail = kept.partition("\n[django-lambda: ")
    assert marker, kept[:200]
    cut_line, _, tail = tail.partition("\n")
    cut = int(cut_line.split(" ", 1)[0])
    assert cut_line == (
        f"{cut} bytes of {name} cut here, to keep the result within Lambda's {LIMIT} byte limit]"
    )
    assert whole.startswith(head) and whole.endswith(tail)
    assert len(head) > 1000 and len(tail) > 1000
    assert abs(len(head) - len(tail)) <= 1
    assert cut == len(whole.encode()) - len(head.encode()) - len(tail.encode())
    return cut


def test_7_mb_of_stdout_keeps_its_ends_and_the_return_code(
    loud: None, runtime: str, caplog: pytest.LogCaptureFixture
) -> None:
    size = 7 * 1024 * 1024
    result = manage(f"loud --stdout-bytes {size} --stderr-bytes 270 --exit 3", caplog)
    assert result["returncode"] == 3
    whole = full_output(size // 27)
    cut = check_cut(result["stdout"], whole, "stdout")
    assert cut > size - LIMIT
    # stderr is small: all of it stays.
    assert result["stderr"] == full_output(10) + "CommandError: done\n"
    size_sent = sent_size(result)
    assert LIMIT - 4096 < size_sent <= LIMIT
    [record] = caplog.records
    assert json.loads(record.getMessage()) == {
        "message": "command output cut",
        "stream": "stdout",
        "size": len(whole.encode()),
        "cut": cut,
        "limit": LIMIT,
        "request_id": "size-request",
    }


@pytest.mark.slow
def test_7_mb_on_both_streams_are_both_cut(
    loud: None, runtime: str, caplog: pytest.LogCaptureFixture
) -> None:
    size = 7 * 1024 * 1024
    result = manage(f"loud --stdout-bytes {size} --stderr-bytes {size}", caplog)
    assert result["returncode"] == 0
    whole = full_output(size // 27)
    check_cut(result["stdout"], whole, "stdout")
    check_cut(result["stderr"], whole, "stderr")
    assert LIMIT - 4096 < sent_size(result) <= LIMIT


def test_non_ascii_output_is_cut_by_its_serialised_size(
    loud: None, runtime: str, caplog: pytest.LogCaptureFixture
) -> None:
    # 5 MB of UTF-8, which escaping makes 6.9 MB: over the limit on 3.11 only.
    text = "中文😀"
    line_bytes = len((text + LINE).format(n=0).encode())
    size = 5 * 1024 * 1024
    result = manage(f"loud --stdout-bytes {size} --text {text}", caplog)
    whole = full_output(size // line_bytes, text)
    if RUNTIMES[runtime]:
        check_cut(result["stdout"], whole, "stdout")
        assert LIMIT - 16384 < sent_size(result) <= LIMIT
    else:
        assert result["stdout"] == whole
    assert sent_size(result) <= LIMIT


def test_output_within_the_limit_is_whole(loud: None, caplog: pytest.LogCaptureFixture) -> None:
    result = manage("loud --stdout-bytes 5000000", caplog)
    assert result["stdout"] == full_output(5_000_000 // 27)
    assert caplog.records == []


def test_fit_keeps_the_start_and_end_of_text_with_no_newline() -> None:
    whole = "".join(chr(0x4E00 + n % 2000) for n in range(3_000_000))
    fitted = remote.fit({"returncode": 1, "stdout": "", "stderr": whole})
    assert fitted["returncode"] == 1 and fitted["stdout"] == ""
    check_cut(fitted["stderr"], whole, "stderr")
    assert limits.serialized_size(fitted) <= LIMIT
