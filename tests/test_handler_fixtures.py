"""The JSON fixtures in tests/events/, shaped as AWS and Kong document them, end to end.

Each fixture goes through ``lambda_handler`` and the whole result is compared,
with the echo view's JSON body parsed.
"""

# ruff: noqa: E501  (the expected values repeat the fixtures' long header values)
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from django_lambda.handler import lambda_handler

EVENTS = Path(__file__).parent / "events"


def run(name: str) -> dict[str, Any]:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    result = lambda_handler(event, SimpleNamespace(aws_request_id="fixture"))
    if result["headers" if "headers" in result else "multiValueHeaders"].get("Content-Type") in (
        "application/json",
        ["application/json"],
    ):
        result["body"] = json.loads(result["body"])
    return result


EXPECTED_ALB = {
    "statusCode": 200,
    "statusDescription": "200 OK",
    "headers": {"Content-Type": "application/json"},
    "body": {
        "method": "GET",
        "path": "/echo/",
        "path_info": "/echo/",
        "script_name": "",
        "query": {"q": ["stars and planets"], "plus": ["a b"], "lit": ["a+b"]},
        "headers": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8",
            "Accept-Encoding": "gzip",
            "Accept-Language": "en-US,en;q=0.9",
            "Connection": "keep-alive",
            "Cookie": "name1=value1",
            "Host": "lambda-alb-123578498.us-east-2.elb.amazonaws.com",
            "Upgrade-Insecure-Requests": "1",
            "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "X-Amzn-Trace-Id": "Root=1-5c536348-3d683b8b04734faae651f476",
            "X-Forwarded-For": "198.51.100.9, 72.12.164.125",
            "X-Forwarded-Port": "80",
            "X-Forwarded-Proto": "http",
            "X-Imforwards": "20",
            "Content-Length": "0",
        },
        "cookies": {"name1": "value1"},
        "body": "",
        "post": {},
        "files": {},
        "content_length": "0",
        "scheme": "http",
        "host": "lambda-alb-123578498.us-east-2.elb.amazonaws.com",
        "server_name": "lambda-alb-123578498.us-east-2.elb.amazonaws.com",
        "server_port": "80",
        "remote_addr": "72.12.164.125",
        "url": "http://lambda-alb-123578498.us-east-2.elb.amazonaws.com/echo/?q=stars+and+planets&plus=a+b&lit=a%2Bb",
    },
    "isBase64Encoded": False,
}

EXPECTED_ALB_MULTI = {
    "statusCode": 200,
    "statusDescription": "200 OK",
    "multiValueHeaders": {
        "Content-Type": ["text/plain"],
        "Set-Cookie": ["a=1; Path=/", "b=2; HttpOnly; Path=/", "c=3; Path=/c/"],
    },
    "body": "three cookies",
    "isBase64Encoded": False,
}

EXPECTED_APIGW_V1 = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "multiValueHeaders": {},
    "body": {
        "method": "POST",
        "path": "/Prod/echo/my/path",
        "path_info": "/echo/my/path",
        "script_name": "/Prod",
        "query": {"parameter1": ["value1", "value2"], "parameter2": ["value"]},
        "headers": {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Cookie": "session=abc123; theme=dark",
            "Host": "70ixmpl4fl.execute-api.us-east-2.amazonaws.com",
            "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "X-Amzn-Trace-Id": "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
            "X-Forwarded-For": "52.255.255.12",
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
            "Header2": "value1,value2",
            "Content-Length": "12",
        },
        "cookies": {"session": "abc123", "theme": "dark"},
        "body": "eyJzdGFycyI6IDV9",
        "post": {},
        "files": {},
        "content_length": "12",
        "scheme": "https",
        "host": "70ixmpl4fl.execute-api.us-east-2.amazonaws.com",
        "server_name": "70ixmpl4fl.execute-api.us-east-2.amazonaws.com",
        "server_port": "443",
        "remote_addr": "52.255.255.12",
        "url": "https://70ixmpl4fl.execute-api.us-east-2.amazonaws.com/Prod/echo/my/path?parameter1=value1&parameter1=value2&parameter2=value",
    },
    "isBase64Encoded": False,
}

EXPECTED_APIGW_V2 = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "cookies": [],
    "body": {
        "method": "POST",
        "path": "/echo/my/path",
        "path_info": "/echo/my/path",
        "script_name": "",
        "query": {"parameter1": ["value1", "value2"], "parameter2": ["value"]},
        "headers": {
            "Content-Type": "text/plain",
            "Header1": "value1",
            "Header2": "value1,value2",
            "Host": "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
            "X-Forwarded-For": "192.0.2.1",
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
            "Cookie": "cookie1=value1; cookie2=value2",
            "Content-Length": "17",
        },
        "cookies": {"cookie1": "value1", "cookie2": "value2"},
        "body": "SGVsbG8gZnJvbSBMYW1iZGE=",
        "post": {},
        "files": {},
        "content_length": "17",
        "scheme": "https",
        "host": "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
        "server_name": "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
        "server_port": "443",
        "remote_addr": "192.0.2.1",
        "url": "https://r3pmxmplak.execute-api.us-east-2.amazonaws.com/echo/my/path?parameter1=value1&parameter1=value2&parameter2=value",
    },
    "isBase64Encoded": False,
}

EXPECTED_FUNCTION_URL = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "cookies": [],
    "body": {
        "method": "GET",
        "path": "/echo/café",
        "path_info": "/echo/café",
        "script_name": "",
        "query": {"parameter1": ["value1", "value2"], "parameter2": ["value"]},
        "headers": {
            "Header1": "value1",
            "Header2": "value1,value2",
            "Host": "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.us-west-2.on.aws",
            "X-Forwarded-For": "123.123.123.123",
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
            "Cookie": "cookie1=value1; cookie2=value2",
            "Content-Length": "0",
        },
        "cookies": {"cookie1": "value1", "cookie2": "value2"},
        "body": "",
        "post": {},
        "files": {},
        "content_length": "0",
        "scheme": "https",
        "host": "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.us-west-2.on.aws",
        "server_name": "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.us-west-2.on.aws",
        "server_port": "443",
        "remote_addr": "123.123.123.123",
        "url": "https://a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.us-west-2.on.aws/echo/caf%C3%A9?parameter1=value1&parameter1=value2&parameter2=value",
    },
    "isBase64Encoded": False,
}

EXPECTED_KONG_AWSGATEWAY = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "multiValueHeaders": {},
    "body": {
        "method": "PUT",
        "path": "/echo/a%41",
        "path_info": "/echo/a%41",
        "script_name": "",
        "query": {"flag": [""], "q": ["a b", "c+d"]},
        "headers": {
            "Host": "kong.example.com",
            "User-Agent": "curl/8.5.0",
            "Accept": "*/*",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Custom": "one,two",
            "Content-Length": "10",
        },
        "cookies": {},
        "body": "bmFtZT1zdGFycw==",
        "post": {},
        "files": {},
        "content_length": "10",
        "scheme": "https",
        "host": "kong.example.com",
        "server_name": "kong.example.com",
        "server_port": "443",
        "remote_addr": "172.18.0.1",
        "url": "https://kong.example.com/echo/a%2541?flag&q=a+b&q=c%2Bd",
    },
    "isBase64Encoded": False,
}

EXPECTED_KONG_AWSGATEWAY_OLD = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "multiValueHeaders": {},
    "body": {
        "method": "GET",
        "path": "/echo/",
        "path_info": "/echo/",
        "script_name": "",
        "query": {"q": ["x"]},
        "headers": {
            "Host": "kong.example.com",
            "User-Agent": "curl/7.68.0",
            "Accept": "*/*",
            "Content-Length": "0",
        },
        "cookies": {},
        "body": "",
        "post": {},
        "files": {},
        "content_length": "0",
        "scheme": "https",
        "host": "kong.example.com",
        "server_name": "kong.example.com",
        "server_port": "443",
        "remote_addr": None,
        "url": "https://kong.example.com/echo/?q=x",
    },
    "isBase64Encoded": False,
}

EXPECTED_KONG_FORWARD = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "body": {
        "method": "POST",
        "path": "/echo/café",
        "path_info": "/echo/café",
        "script_name": "",
        "query": {"a": ["1", "2"], "plus": ["x y"], "lit": ["x+y"]},
        "headers": {
            "Host": "kong.example.com",
            "User-Agent": "curl/8.5.0",
            "Accept": "*/*",
            "Content-Type": "application/octet-stream",
            "X-Custom": "one,two",
            "Content-Length": "4",
        },
        "cookies": {},
        "body": "AAEC/w==",
        "post": {},
        "files": {},
        "content_length": "4",
        "scheme": "https",
        "host": "kong.example.com",
        "server_name": "kong.example.com",
        "server_port": "443",
        "remote_addr": None,
        "url": "https://kong.example.com/echo/caf%C3%A9?a=1&a=2&plus=x+y&lit=x%2By",
    },
    "isBase64Encoded": False,
}

EXPECTED_LATTICE = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "body": {
        "method": "GET",
        "path": "/echo/",
        "path_info": "/echo/",
        "script_name": "",
        "query": {"key": ["value1", "value2"]},
        "headers": {
            "Accept": "*/*",
            "Host": "my-service-0a40eebed65f8d69c.7d67968.vpc-lattice-svcs.us-east-2.on.aws",
            "User-Agent": "curl/8.3.0",
            "X-Forwarded-For": "10.0.2.100",
            "X-Amzn-Lattice-Identity": "Principal=arn:aws:iam::123456789012:assumed-role/example-role/057d00f8b51257ba3c853a0f248943cf; "
            "SessionName=057d00f8b51257ba3c853a0f248943cf; "
            "Type=AWSIAM",
            "X-Amzn-Lattice-Network": "SourceVpcArn=arn:aws:ec2:us-east-2:123456789012:vpc/vpc-0b8276c84697e7339",
            "X-Amzn-Lattice-Target": "ServiceArn=arn:aws:vpc-lattice:us-east-2:123456789012:service/svc-0a40eebed65f8d69c; "
            "ServiceNetworkArn=arn:aws:vpc-lattice:us-east-2:123456789012:servicenetwork/sn-0bf3f2882e9cc805a; "
            "TargetGroupArn=arn:aws:vpc-lattice:us-east-2:123456789012:targetgroup/tg-6d0ecf831eec9f09",
            "X-Amzn-Source-Vpc": "vpc-0b8276c84697e7339",
            "Content-Length": "0",
        },
        "cookies": {},
        "body": "",
        "post": {},
        "files": {},
        "content_length": "0",
        "scheme": "https",
        "host": "my-service-0a40eebed65f8d69c.7d67968.vpc-lattice-svcs.us-east-2.on.aws",
        "server_name": "my-service-0a40eebed65f8d69c.7d67968.vpc-lattice-svcs.us-east-2.on.aws",
        "server_port": "443",
        "remote_addr": "10.0.2.100",
        "url": "https://my-service-0a40eebed65f8d69c.7d67968.vpc-lattice-svcs.us-east-2.on.aws/echo/?key=value1&key=value2",
    },
    "isBase64Encoded": False,
}

# Event structure V1, as AWS documents it: snake_case keys, one string per
# header, the body base64 ({"test": "event"}), and a header name with "_"
# (user_agent), which is dropped like any other.
LATTICE_V1_HOST = "test-lambda-service-3908sdf9u3u.dkfjd93.vpc-lattice-svcs.us-east-2.on.aws"
EXPECTED_LATTICE_V1 = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "body": {
        "method": "POST",
        "path": "/echo/",
        "path_info": "/echo/",
        "script_name": "",
        "query": {"order-id": ["1"]},
        "headers": {
            "Content-Length": "17",
            "X-Forwarded-For": "10.213.229.10",
            "Host": LATTICE_V1_HOST,
            "Accept": "*/*",
        },
        "cookies": {},
        "body": "eyJ0ZXN0IjogImV2ZW50In0=",
        "post": {},
        "files": {},
        "content_length": "17",
        "scheme": "https",
        "host": LATTICE_V1_HOST,
        "server_name": LATTICE_V1_HOST,
        "server_port": "443",
        "remote_addr": "10.213.229.10",
        "url": f"https://{LATTICE_V1_HOST}/echo/?order-id=1",
    },
    "isBase64Encoded": False,
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("alb", EXPECTED_ALB),
        ("alb_multi", EXPECTED_ALB_MULTI),
        ("apigw_v1", EXPECTED_APIGW_V1),
        ("apigw_v2", EXPECTED_APIGW_V2),
        ("function_url", EXPECTED_FUNCTION_URL),
        ("kong_awsgateway", EXPECTED_KONG_AWSGATEWAY),
        ("kong_awsgateway_old", EXPECTED_KONG_AWSGATEWAY_OLD),
        ("kong_forward", EXPECTED_KONG_FORWARD),
        ("lattice", EXPECTED_LATTICE),
        ("lattice_v1", EXPECTED_LATTICE_V1),
    ],
)
def test_fixture(name: str, expected: dict[str, Any]) -> None:
    assert run(name) == expected


def test_every_fixture_is_tested() -> None:
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == [
        "alb",
        "alb_multi",
        "apigw_v1",
        "apigw_v2",
        "function_url",
        "kong_awsgateway",
        "kong_awsgateway_old",
        "kong_forward",
        "lattice",
        "lattice_v1",
    ]
