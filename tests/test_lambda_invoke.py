"""lambda_invoke against moto, with the invoke results stubbed (moto cannot run a function)."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from django.core.management import CommandError, call_command
from django.test import override_settings
from moto import mock_aws

from django_lambda import aws, gate
from django_lambda.conf import deploy_config
from django_lambda.local import front_door
from tests.local_packages import ECHO_HANDLER, HTTP_HANDLER, make_zip

SETTINGS = {"FUNCTION_NAME": "site", "ALIAS": "live"}


class StubbedLambda:
    """The lambda client lambda_invoke gets, with queued invoke results and the payloads sent."""

    def __init__(self) -> None:
        self.client = boto3.client("lambda", region_name="us-east-1")
        self.stubber = Stubber(self.client)
        self.sent: list[Any] = []
        self.client.meta.events.register("provide-client-params.lambda.Invoke", self._record)

    def _record(self, params: dict[str, Any], **kwargs: Any) -> None:
        self.sent.append(json.loads(params["Payload"]))

    def add_url(self, url: str | None, *, qualifier: str = "live") -> None:
        """The answer to get_function_url_config (None: the alias has no URL)."""
        params = {"FunctionName": "site", "Qualifier": qualifier}
        if url is None:
            self.stubber.add_client_error(
                "get_function_url_config",
                service_error_code="ResourceNotFoundException",
                expected_params=params,
            )
            return
        self.stubber.add_response(
            "get_function_url_config",
            {
                "FunctionUrl": url,
                "FunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:site:{qualifier}",
                "AuthType": "NONE",
                "CreationTime": "2026-01-01T00:00:00.000+0000",
                "LastModifiedTime": "2026-01-01T00:00:00.000+0000",
            },
            params,
        )

    def add_configuration(self, variables: dict[str, str], *, qualifier: str = "live") -> None:
        """The answer to get_function_configuration: the environment holding the key."""
        self.stubber.add_response(
            "get_function_configuration",
            {"FunctionName": "site", "Environment": {"Variables": variables}},
            {"FunctionName": "site", "Qualifier": qualifier},
        )

    def add_result(
        self,
        result: Any,
        *,
        qualifier: str = "live",
        log_type: str = "None",
        function_error: str | None = None,
        log: str | None = None,
    ) -> None:
        data = json.dumps(result).encode()
        response: dict[str, Any] = {
            "StatusCode": 200,
            "ExecutedVersion": "7",
            "Payload": StreamingBody(io.BytesIO(data), len(data)),
        }
        if function_error:
            response["FunctionError"] = function_error
        if log is not None:
            response["LogResult"] = base64.b64encode(log.encode()).decode()
        self.stubber.add_response(
            "invoke",
            response,
            {"FunctionName": "site", "Qualifier": qualifier, "Payload": ANY, "LogType": log_type},
        )


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubbedLambda]:
    with mock_aws(), override_settings(DJANGO_LAMBDA=SETTINGS):
        stub = StubbedLambda()
        # lambda_invoke makes its invoke client; the Deployer's come from aws.clients.
        for module in (aws, aws.clients):
            monkeypatch.setattr(module, "client", lambda name, **where: stub.client)
        with stub.stubber:
            yield stub
            stub.stubber.assert_no_pending_responses()


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("lambda_invoke", *args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[CommandError, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("lambda_invoke", *args, stdout=out, stderr=err, no_color=True)
    return caught.value, out.getvalue(), err.getvalue()


def test_http_request_prints_the_response_like_curl(stubbed: StubbedLambda) -> None:
    stubbed.add_result(
        {
            "statusCode": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
            "cookies": ["a=1; Path=/", "b=2; Path=/"],
            "body": "<h1>Stars</h1>",
            "isBase64Encoded": False,
        }
    )
    out, err = run("get", "/stars/?page=2", "-H", "Host: example.com", "-H", "Cookie: s=1; t=2")
    assert out == (
        "HTTP/1.1 200 OK\n"
        "Content-Type: text/html; charset=utf-8\n"
        "Set-Cookie: a=1; Path=/\n"
        "Set-Cookie: b=2; Path=/\n"
        "\n"
        "<h1>Stars</h1>\n"
    )
    assert err == ""
    [event] = stubbed.sent
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/stars/"
    assert event["rawQueryString"] == "page=2"
    assert event["queryStringParameters"] == {"page": "2"}
    assert event["headers"] == {"host": "example.com"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["domainName"] == "example.com"
    assert "body" not in event


def test_host_defaults_to_the_alias_function_url(stubbed: StubbedLambda) -> None:
    stubbed.add_url("https://abcdefgh.lambda-url.us-east-1.on.aws/")
    stubbed.add_result({"statusCode": 200, "body": "ok"})
    out, _ = run("GET", "/a%2541")
    assert out == "HTTP/1.1 200 OK\n\nok\n"
    [event] = stubbed.sent
    assert event["headers"] == {"host": "abcdefgh.lambda-url.us-east-1.on.aws"}
    assert event["requestContext"]["domainName"] == "abcdefgh.lambda-url.us-east-1.on.aws"
    # A Function URL passes the path still encoded.
    assert event["rawPath"] == "/a%2541"


def test_without_a_url_the_host_is_one_of_its_form(stubbed: StubbedLambda) -> None:
    for _ in range(2):
        stubbed.add_url(None)
        stubbed.add_result({"statusCode": 200, "body": "ok"})
        run("GET", "/")
    hosts = [event["headers"]["host"] for event in stubbed.sent]
    # As the README's ALLOWED_HOSTS expects it; the same one every time.
    assert re.fullmatch(r"[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws", hosts[0])
    assert hosts[1] == hosts[0]


def test_the_host_of_the_http_api(monkeypatch: pytest.MonkeyPatch) -> None:
    with (
        mock_aws(),
        override_settings(DJANGO_LAMBDA={**SETTINGS, "HTTP": "http_api"}),
    ):
        client = boto3.client("apigatewayv2", region_name="us-east-1")
        assert front_door.deployed_host(deploy_config()) is None
        api = client.create_api(Name="site", ProtocolType="HTTP")
        client.create_api(Name="another-site", ProtocolType="HTTP")
        host = front_door.deployed_host(deploy_config())
        assert host == f"{api['ApiId']}.execute-api.us-east-1.amazonaws.com"


def test_post_data_goes_as_a_form_and_v1_headers_come_back(stubbed: StubbedLambda) -> None:
    stubbed.add_url("https://abcdefgh.lambda-url.us-east-1.on.aws/")
    stubbed.add_result(
        {
            "statusCode": 302,
            "headers": {"Location": "/done/"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": "",
        }
    )
    out, _ = run("POST", "/vote/", "-d", "star=42", "--format", "v1")
    assert out == "HTTP/1.1 302 Found\nLocation: /done/\nSet-Cookie: a=1\nSet-Cookie: b=2\n\n"
    [event] = stubbed.sent
    assert event["httpMethod"] == "POST"
    assert event["body"] == "star=42"
    assert event["isBase64Encoded"] is False
    # Another event shape, the same host: the function's.
    assert event["multiValueHeaders"] == {
        "Host": ["abcdefgh.lambda-url.us-east-1.on.aws"],
        "Content-Type": ["application/x-www-form-urlencoded"],
    }


def test_binary_body_is_named_not_printed_or_written_with_o(
    stubbed: StubbedLambda, tmp_path: Path
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    binary = {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(png).decode(),
        "isBase64Encoded": True,
    }
    stubbed.add_url(None)
    stubbed.add_result(binary)
    stubbed.add_url(None)
    stubbed.add_result(binary)
    out, _ = run("GET", "/logo.png")
    assert out == (
        "HTTP/1.1 200 OK\nContent-Type: image/png\n\n"
        f"[binary body, {len(png)} bytes: use -o FILE to save it]\n"
    )
    target = tmp_path / "logo.png"
    out, err = run("GET", "/logo.png", "-o", str(target))
    assert out == "HTTP/1.1 200 OK\nContent-Type: image/png\n\n"
    assert err == f"[{len(png)} bytes written to {target}]\n"
    assert target.read_bytes() == png


def test_data_file_body_is_sent_base64_when_binary(stubbed: StubbedLambda, tmp_path: Path) -> None:
    upload = tmp_path / "upload.bin"
    upload.write_bytes(b"\xff\x00\xfe")
    stubbed.add_url(None)
    stubbed.add_result({"statusCode": 204, "body": ""})
    out, _ = run(
        "PUT", "/upload", "--data-file", str(upload), "-H", "Content-Type: application/octet-stream"
    )
    assert out == "HTTP/1.1 204 No Content\n\n"
    [event] = stubbed.sent
    assert (event["body"], event["isBase64Encoded"]) == ("/wD+", True)


KEY = "the-deployed-function-key"
DEPLOYED = {"DJANGO_SETTINGS_MODULE": "site.settings", gate.KEY_VARIABLE: KEY}


def test_manage_prints_whole_output_and_succeeds(stubbed: StubbedLambda) -> None:
    long_output = "".join(f"  Applying app.{n:04d}_migration... OK\n" for n in range(500))
    stubbed.add_configuration(DEPLOYED)
    stubbed.add_result({"returncode": 0, "stdout": long_output, "stderr": "a warning\n"})
    out, err = run("--manage", "migrate --noinput")
    # The command goes with its proof, made with the key in the function's environment.
    assert stubbed.sent == [
        {
            "manage": "migrate --noinput",
            "proof": gate.make_proof(KEY, "manage", "migrate --noinput"),
        }
    ]
    assert out == long_output
    assert err == "a warning\n"
    assert KEY not in out + err


@pytest.mark.parametrize("qualifier", [["--alias", "blue"], ["--qualifier", "7"]])
def test_manage_reads_the_key_of_the_version_it_invokes(
    stubbed: StubbedLambda, qualifier: list[str]
) -> None:
    stubbed.add_configuration(DEPLOYED, qualifier=qualifier[1])
    stubbed.add_result({"returncode": 0, "stdout": "ok\n", "stderr": ""}, qualifier=qualifier[1])
    out, _ = run("--manage", "check", *qualifier)
    assert out == "ok\n"


def test_manage_to_a_function_without_a_key_says_to_deploy(stubbed: StubbedLambda) -> None:
    stubbed.add_configuration({"DJANGO_SETTINGS_MODULE": "site.settings"})
    error, _, _ = run_failing("--manage", "check")
    assert str(error) == (
        "site:live has no DJANGO_LAMBDA_KEY environment variable, so it would refuse the "
        "command: it was deployed before django-lambda proved commands, or the variable was "
        "removed. Deploy it with lambda_deploy, which makes a key, then run the command again."
    )
    assert stubbed.sent == []


def test_manage_to_a_missing_alias_says_to_deploy(stubbed: StubbedLambda) -> None:
    stubbed.stubber.add_client_error(
        "get_function_configuration",
        service_error_code="ResourceNotFoundException",
        expected_params={"FunctionName": "site", "Qualifier": "live"},
    )
    error, _, _ = run_failing("--manage", "check")
    assert str(error) == (
        "Function 'site' has no alias or version 'live': deploy it with lambda_deploy, "
        "or pick another with --alias/--qualifier."
    )


def test_manage_without_permission_to_read_the_key(stubbed: StubbedLambda) -> None:
    stubbed.stubber.add_client_error(
        "get_function_configuration",
        service_error_code="AccessDeniedException",
        service_message="not authorized to perform: lambda:GetFunctionConfiguration",
        expected_params={"FunctionName": "site", "Qualifier": "live"},
    )
    error, _, _ = run_failing("--manage", "check")
    assert str(error).startswith(
        "get_function_configuration on function 'site' failed (AccessDeniedException): "
    )
    assert "Hint: The deploying identity may not call get_function_configuration." in str(error)


def test_manage_exit_status_is_the_commands(stubbed: StubbedLambda) -> None:
    stubbed.add_configuration(DEPLOYED)
    stubbed.add_result({"returncode": 3, "stdout": "", "stderr": "CommandError: no such app\n"})
    with pytest.raises(CommandError, match=r"^The command exited with status 3\.$") as caught:
        run("--manage", "migrate nope")
    assert caught.value.returncode == 3


def test_manage_with_an_unexpected_answer(stubbed: StubbedLambda) -> None:
    stubbed.add_configuration(DEPLOYED)
    stubbed.add_result({"statusCode": 400, "body": "bad"})
    with pytest.raises(CommandError, match=r"did not answer as a django_lambda handler"):
        run("--manage", "check")


def test_function_error_prints_type_message_stack_and_fails(stubbed: StubbedLambda) -> None:
    stubbed.add_url(None)
    stubbed.add_result(
        {
            "errorMessage": "division by zero",
            "errorType": "ZeroDivisionError",
            "requestId": "r-1",
            "stackTrace": ['  File "/var/task/app.py", line 3, in view\n    1 / 0\n'],
        },
        function_error="Unhandled",
    )
    error, out, err = run_failing("GET", "/")
    assert str(error) == "The function failed: ZeroDivisionError"
    assert error.returncode == 1
    assert out == ""
    assert err == (
        "ZeroDivisionError: division by zero\n"
        "Traceback (most recent call last):\n"
        '  File "/var/task/app.py", line 3, in view\n'
        "    1 / 0\n"
    )


def test_log_prints_the_decoded_tail(stubbed: StubbedLambda) -> None:
    tail = "START RequestId: r-2 Version: 7\nhello from the view\nEND RequestId: r-2\n"
    stubbed.add_url(None)
    stubbed.add_result({"statusCode": 200, "body": "ok"}, log_type="Tail", log=tail)
    out, err = run("GET", "/", "--log")
    assert out == "HTTP/1.1 200 OK\n\nok\n"
    assert err == tail


def test_event_file_sends_the_raw_event_and_prints_raw_json(
    stubbed: StubbedLambda, tmp_path: Path
) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text('{"warmup": true}')
    stubbed.add_result({"warm": True}, qualifier="12")
    out, _ = run("--event", str(event_file), "--qualifier", "12")
    assert stubbed.sent == [{"warmup": True}]
    assert json.loads(out) == {"warm": True}
    assert out == '{\n  "warm": true\n}\n'


def test_alias_option_picks_the_qualifier(stubbed: StubbedLambda) -> None:
    stubbed.add_url(None, qualifier="previous")
    stubbed.add_result({"statusCode": 200, "body": "old"}, qualifier="previous")
    out, _ = run("GET", "/", "--alias", "previous")
    assert out.endswith("\nold\n")


def test_missing_alias_says_to_deploy() -> None:
    # moto itself answers: the function does not exist.
    with (
        mock_aws(),
        override_settings(DJANGO_LAMBDA=SETTINGS),
        pytest.raises(CommandError) as caught,
    ):
        run("GET", "/")
    assert str(caught.value) == (
        "Function 'site' has no alias or version 'live': deploy it with lambda_deploy, "
        "or pick another with --alias/--qualifier."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give a method and a path (e.g. GET /), or --manage COMMAND, or --event FILE."),
        (("GET", "stars"), "The path 'stars' must start with '/'."),
        (("GET", "/", "-H", "NoColon"), "'NoColon' is not a header: write it as 'Name: value'."),
        (
            ("GET", "/", "--manage", "check"),
            "An HTTP request (METHOD PATH, -H, -d, -o) cannot go with --manage or --event.",
        ),
        (
            ("--manage", "check", "-o", "out.txt"),
            "An HTTP request (METHOD PATH, -H, -d, -o) cannot go with --manage or --event.",
        ),
        (
            ("--event", "/nonexistent/event.json"),
            "Cannot read the event file /nonexistent/event.json: No such file or directory.",
        ),
        (("GET", "/", "--package", "x.zip"), "--package runs a package locally: add --local."),
    ],
)
def test_bad_input(args: tuple[str, ...], message: str) -> None:
    with override_settings(DJANGO_LAMBDA=SETTINGS), pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value) == message


def test_no_function_name() -> None:
    with override_settings(DJANGO_LAMBDA={}), pytest.raises(CommandError) as caught:
        run("GET", "/")
    assert "DJANGO_LAMBDA['FUNCTION_NAME'] is not set" in str(caught.value)


# --local, on hand-made packages (the real handler is tested end to end elsewhere).


def test_local_http_request(tmp_path: Path) -> None:
    package = make_zip(tmp_path, HTTP_HANDLER)
    out, err = run("GET", "/hello?x=1", "--local", "--package", str(package), "--log")
    head, _, body = out.partition("\n\n")
    lines = head.splitlines()
    assert lines[:2] == ["HTTP/1.1 200 OK", "Content-Type: application/json"]
    assert lines[2].startswith("X-Pid: ")
    assert json.loads(body) == {
        "method": "GET",
        "path": "/hello",
        "query": "x=1",
        "cookies": None,
        "form": {},
    }
    assert err.startswith("GET /hello\nREPORT RequestId: ")
    assert "Init Duration: " in err


@pytest.mark.parametrize(
    ("http", "form"),
    [
        ("function_url", r"[0-9a-f]{32}\.lambda-url\.eu-west-3\.on\.aws"),
        ("http_api", r"[0-9a-f]{10}\.execute-api\.eu-west-3\.amazonaws\.com"),
    ],
)
def test_local_requests_carry_a_host_of_the_functions_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http: str, form: str
) -> None:
    package = make_zip(tmp_path, ECHO_HANDLER)
    # No AWS call: a local run looks nothing up.
    for module in (aws, aws.clients):
        monkeypatch.setattr(module, "client", None)
    with override_settings(
        DJANGO_LAMBDA={"FUNCTION_NAME": "site", "REGION": "eu-west-3", "HTTP": http}
    ):
        out, _ = run("GET", "/", "--local", "--package", str(package))
    event = json.loads(out.partition("\n\n")[2])["event"]
    assert re.fullmatch(form, event["headers"]["host"])
    assert event["requestContext"]["domainName"] == event["headers"]["host"]


def test_local_package_path_may_be_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_zip(tmp_path, HTTP_HANDLER)
    monkeypatch.chdir(tmp_path)
    out, _ = run("GET", "/hello", "--local", "--package", "package.zip")
    assert out.startswith("HTTP/1.1 200 OK\n")
    assert json.loads(out.partition("\n\n")[2])["path"] == "/hello"


def test_local_function_error(tmp_path: Path) -> None:
    package = make_zip(tmp_path, HTTP_HANDLER)
    with pytest.raises(CommandError, match=r"^The function failed: RuntimeError$"):
        run("GET", "/fail", "--local", "--package", str(package))


def test_local_init_error_names_the_missing_module(tmp_path: Path) -> None:
    package = make_zip(tmp_path, "import stars_helpers\n")
    error, out, err = run_failing("GET", "/", "--local", "--package", str(package))
    assert out == ""
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module" in err
    assert str(error).startswith(
        "The function failed to initialize: Runtime.ImportModuleError: Unable to import module "
        "'django_lambda.handler': No module named 'stars_helpers'\n"
        "The package has no module 'stars_helpers'"
    )


def test_local_raw_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = make_zip(tmp_path, ECHO_HANDLER)
    monkeypatch.setattr("sys.stdin", io.StringIO('{"ping": 1}'))
    with override_settings(DJANGO_LAMBDA={"ENVIRONMENT": {"GREETING": "hello"}}):
        out, _ = run("--event", "-", "--local", "--package", str(package))
    result = json.loads(out)
    assert result["event"] == {"ping": 1}
    assert result["environ"]["GREETING"] == "hello"
    assert result["environ"]["DJANGO_SETTINGS_MODULE"] == "tests.settings"


def test_event_file_that_is_not_json(tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text("{warmup: true}")
    with override_settings(DJANGO_LAMBDA=SETTINGS), pytest.raises(CommandError) as caught:
        run("--event", str(event_file))
    assert str(caught.value).startswith(f"The event in {event_file} is not JSON: Expecting")


def test_other_aws_errors_name_the_call_and_give_a_hint(stubbed: StubbedLambda) -> None:
    stubbed.add_url(None)
    stubbed.stubber.add_client_error(
        "invoke", service_error_code="AccessDeniedException", service_message="not allowed"
    )
    with pytest.raises(CommandError) as caught:
        run("GET", "/")
    assert str(caught.value).startswith(
        "Invoke on site:live failed (AccessDeniedException): An error occurred "
        "(AccessDeniedException) when calling the Invoke operation: not allowed\nHint: "
    )
