"""The function's public origin: made-up hosts of the right form, deployed hosts, and
lambda_serve's header mapping between a browser's local origin and the function's."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from django.test import override_settings
from moto import mock_aws

from django_lambda import aws
from django_lambda.conf import deploy_config
from django_lambda.local import front_door

HOST = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-3.on.aws"
LOCAL = "http://127.0.0.1:8000"
PUBLIC = front_door.PublicOrigin(HOST)


def test_made_up_hosts_have_the_front_doors_form() -> None:
    url_host = front_door.made_up_host("function_url", "site", "eu-west-3")
    api_host = front_door.made_up_host("http_api", "site", "eu-west-3")
    assert url_host.endswith(".lambda-url.eu-west-3.on.aws")
    assert len(url_host.split(".")[0]) == 32
    assert api_host.endswith(".execute-api.eu-west-3.amazonaws.com")
    assert len(api_host.split(".")[0]) == 10
    # No front door configured: a Function URL's form, what the README's ALLOWED_HOSTS expect.
    assert front_door.made_up_host(None, "site", "eu-west-3") == url_host
    assert front_door.made_up_host("function_url", "other", "eu-west-3") != url_host


def test_the_deployed_function_urls_host_on_the_alias() -> None:
    with mock_aws(), override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site"}):
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        client = boto3.client("lambda", region_name="us-east-1")
        client.create_function(
            FunctionName="site",
            Role=role,
            Runtime="python3.12",
            Handler="h.h",
            Code={"ZipFile": b"PK\x05\x06" + bytes(18)},
        )
        version = client.publish_version(FunctionName="site")["Version"]
        client.create_alias(FunctionName="site", Name="live", FunctionVersion=version)
        # No URL yet: none deployed, and a made-up one of its form stands in.
        assert front_door.deployed_host(deploy_config()) is None
        assert front_door.public_host(deploy_config()) == front_door.made_up_host(
            "function_url", "site", "us-east-1"
        )
        url = client.create_function_url_config(
            FunctionName="site", Qualifier="live", AuthType="NONE"
        )["FunctionUrl"]
        host = url.split("/")[2]
        assert front_door.deployed_host(deploy_config()) == host
        assert front_door.public_host(deploy_config()) == host
        # Unless told not to look (a local run).
        assert front_door.public_host(deploy_config(), lookup=False) == front_door.made_up_host(
            "function_url", "site", "us-east-1"
        )


def test_looking_up_the_host_names_the_failing_call(monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.client("lambda", region_name="us-east-1")
    monkeypatch.setattr(aws.clients, "client", lambda name, **where: client)
    with Stubber(client) as stubber, override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site"}):
        stubber.add_client_error(
            "get_function_url_config",
            service_error_code="AccessDeniedException",
            service_message="not allowed",
        )
        with pytest.raises(aws.DeployError) as caught:
            front_door.deployed_host(deploy_config())
    assert str(caught.value).startswith(
        "get_function_url_config on alias 'live' of function 'site' failed (AccessDeniedException)"
    )


def test_a_browsers_request_as_the_function_url_delivers_it() -> None:
    headers = PUBLIC.to_function(
        [
            ("Host", "127.0.0.1:8000"),
            ("Origin", LOCAL),
            ("Referer", f"{LOCAL}/admin/login/?next=/admin/"),
            ("X-Forwarded-Proto", "http"),
            ("X-Forwarded-Port", "8000"),
            ("Cookie", "csrftoken=abc"),
        ],
        LOCAL,
    )
    assert headers == [
        ("Host", HOST),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Port", "443"),
        ("Origin", f"https://{HOST}"),
        ("Referer", f"https://{HOST}/admin/login/?next=/admin/"),
        ("Cookie", "csrftoken=abc"),
    ]


@pytest.mark.parametrize(
    "foreign",
    [
        "https://evil.example",
        "http://127.0.0.1:8001",  # another local server
        "http://127.0.0.1:80001",  # a prefix of the local origin, not the origin
        "null",
    ],
)
def test_other_origins_and_referers_are_left_alone(foreign: str) -> None:
    headers = PUBLIC.to_function([("Origin", foreign), ("Referer", foreign + "/page")], LOCAL)
    assert headers[3:] == [("Origin", foreign), ("Referer", foreign + "/page")]


@pytest.mark.parametrize(
    ("location", "mapped"),
    [
        (f"https://{HOST}/admin/", f"{LOCAL}/admin/"),
        (f"https://{HOST}", LOCAL),
        (f"https://{HOST}:443/a?b=1#c", f"{LOCAL}/a?b=1#c"),
        (f"http://{HOST}/plain", f"{LOCAL}/plain"),
        (f"HTTPS://{HOST.upper()}/x", f"{LOCAL}/x"),
        ("/admin/login/?next=/admin/", "/admin/login/?next=/admin/"),
        ("https://elsewhere.example/", "https://elsewhere.example/"),
        (f"https://{HOST}.evil.example/", f"https://{HOST}.evil.example/"),
    ],
)
def test_redirects_stay_on_the_local_server(location: str, mapped: str) -> None:
    assert PUBLIC.to_browser([("Location", location)], LOCAL) == [("Location", mapped)]


def test_cookies_for_the_functions_host_are_kept_by_the_browser_here() -> None:
    cookies = [
        ("Set-Cookie", f"sessionid=1; Domain={HOST}; Path=/; Secure; HttpOnly; SameSite=Lax"),
        ("Set-Cookie", "csrftoken=2; Domain=.on.aws; Secure; Path=/"),
        ("Set-Cookie", "other=3; Domain=example.com; Path=/"),
    ]
    assert PUBLIC.to_browser(cookies, LOCAL) == [
        # Loopback is a secure context: Secure cookies are kept over http.
        ("Set-Cookie", "sessionid=1; Path=/; Secure; HttpOnly; SameSite=Lax"),
        ("Set-Cookie", "csrftoken=2; Secure; Path=/"),
        ("Set-Cookie", "other=3; Domain=example.com; Path=/"),
    ]
    # From another machine on the network (lambda_serve 0.0.0.0:8000), http is not secure.
    assert PUBLIC.to_browser(cookies[:1], "http://192.168.1.20:8000") == [
        ("Set-Cookie", "sessionid=1; Path=/; HttpOnly; SameSite=Lax")
    ]


@pytest.mark.parametrize(
    ("origin", "secure"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.1.2.3", True),
        ("http://[::1]:8000", True),
        ("http://localhost:8000", True),
        ("http://app.localhost", True),
        ("http://192.168.1.20:8000", False),
        ("http://0.0.0.0:8000", False),
        ("http://stars.example", False),
    ],
)
def test_which_local_origins_are_secure_contexts(origin: str, secure: bool) -> None:
    assert front_door.is_secure_context(origin) is secure
