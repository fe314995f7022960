"""One test per deploy-settings check id (E120-E137, W120)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from django_lambda.checks import check_deploy_settings, check_deploy_values

VALID: dict[str, Any] = {
    "FUNCTION_NAME": "my-site_2",
    "REGION": "eu-west-1",
    "ROLE_ARN": "arn:aws:iam::123456789012:role/service-role/my-site-lambda",
    "RUNTIME": "python3.12",
    "MEMORY_SIZE": 1024,
    "TIMEOUT": 30,
    "ENVIRONMENT": {"DEBUG": "0", "AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrapper"},
    "ALIAS": "prod",
    "HTTP": "http_api",
    "SNAPSTART": True,
    "VPC": {"subnet_ids": ["subnet-0abc"], "security_group_ids": ["sg-0abc"]},
    "LAYERS": ["arn:aws:lambda:eu-west-1:123456789012:layer:my-layer:3"],
    "TAGS": {"project": "my-site"},
    "ENDPOINT_URL": "http://127.0.0.1:5000",
}


def run(**overrides: Any) -> list[Any]:
    with override_settings(DJANGO_LAMBDA={**VALID, **overrides}):
        return check_deploy_values() + check_deploy_settings()


def only(messages: list[Any]) -> Any:
    assert len(messages) == 1, [m.id for m in messages]
    [message] = messages
    assert message.hint
    return message


def test_valid_configuration_passes() -> None:
    assert run() == []


def test_valid_configuration_passes_manage_py_check() -> None:
    with override_settings(DJANGO_LAMBDA=VALID):
        call_command("check", "--fail-level", "WARNING")


def test_defaults_pass_without_function_name() -> None:
    # Someone who only uses the handler sets nothing, and `check` stays clean.
    with override_settings(DJANGO_LAMBDA={}):
        assert check_deploy_values() == []


def test_e120_function_name_required_to_deploy() -> None:
    with override_settings(DJANGO_LAMBDA={}):
        message = only(check_deploy_settings())
    assert message.id == "django_lambda.E120"
    assert "FUNCTION_NAME" in message.msg


@pytest.mark.parametrize("name", ["my site", "x" * 65, "", 42])
def test_e121_function_name(name: object) -> None:
    message = only(run(FUNCTION_NAME=name))
    assert message.id == "django_lambda.E121"
    assert repr(name) in message.msg


@pytest.mark.parametrize("region", ["europe", "EU-WEST-1", "eu-west", 1])
def test_e122_region(region: object) -> None:
    message = only(run(REGION=region))
    assert message.id == "django_lambda.E122"
    assert repr(region) in message.msg


@pytest.mark.parametrize("region", ["us-gov-west-1", "ap-southeast-4", "cn-north-1", None])
def test_e122_accepts_real_regions(region: object) -> None:
    assert run(REGION=region) == []


@pytest.mark.parametrize(
    "role",
    [
        "my-site-lambda",
        "arn:aws:iam::123:role/x",
        "arn:aws:iam::123456789012:user/deployer",
    ],
)
def test_e123_role_arn(role: str) -> None:
    message = only(run(ROLE_ARN=role))
    assert message.id == "django_lambda.E123"
    assert repr(role) in message.msg


@pytest.mark.parametrize("memory", [64, 10241, "512", 512.0, True])
def test_e124_memory_size(memory: object) -> None:
    message = only(run(MEMORY_SIZE=memory))
    assert message.id == "django_lambda.E124"
    assert repr(memory) in message.msg


@pytest.mark.parametrize("timeout", [0, 901, "30"])
def test_e125_timeout(timeout: object) -> None:
    message = only(run(TIMEOUT=timeout))
    assert message.id == "django_lambda.E125"


def test_w120_timeout_over_http_api_limit() -> None:
    message = only(run(TIMEOUT=60))
    assert message.id == "django_lambda.W120"
    assert "60s" in message.msg
    assert run(TIMEOUT=60, HTTP="function_url") == []


@pytest.mark.parametrize("environment", [{"DEBUG": 0}, ["DEBUG=0"], {1: "x"}])
def test_e126_environment_not_str_dict(environment: object) -> None:
    message = only(run(ENVIRONMENT=environment))
    assert message.id == "django_lambda.E126"


def test_e127_environment_reserved_keys() -> None:
    message = only(run(ENVIRONMENT={"AWS_REGION": "x", "AWS_SECRET_ACCESS_KEY": "y", "OK": "z"}))
    assert message.id == "django_lambda.E127"
    assert "AWS_REGION, AWS_SECRET_ACCESS_KEY." in message.msg


def test_e136_environment_sets_the_gate_key() -> None:
    message = only(run(ENVIRONMENT={"DJANGO_LAMBDA_KEY": "chosen-by-hand", "OK": "z"}))
    assert message.id == "django_lambda.E136"
    assert "DJANGO_LAMBDA_KEY" in message.msg
    assert "chosen-by-hand" not in message.msg + message.hint


@pytest.mark.parametrize("alias", ["$LATEST", "12", "", "a b", None])
def test_e128_alias(alias: object) -> None:
    message = only(run(ALIAS=alias))
    assert message.id == "django_lambda.E128"


def test_e129_http() -> None:
    message = only(run(HTTP="rest_api"))
    assert message.id == "django_lambda.E129"
    assert "'rest_api'" in message.msg


def test_e129_accepts_none() -> None:
    assert run(HTTP=None) == []


def test_e130_snapstart() -> None:
    message = only(run(SNAPSTART="yes"))
    assert message.id == "django_lambda.E130"


@pytest.mark.parametrize(
    "vpc",
    [
        {"subnet_ids": ["subnet-1"]},
        {"subnet_ids": "subnet-1", "security_group_ids": ["sg-1"]},
        {"subnet_ids": [], "security_group_ids": ["sg-1"]},
        ["subnet-1"],
    ],
)
def test_e131_vpc(vpc: object) -> None:
    message = only(run(VPC=vpc))
    assert message.id == "django_lambda.E131"


@pytest.mark.parametrize(
    ("layers", "bad"),
    [
        (["arn:aws:lambda:eu-west-1:123456789012:layer:my-layer"], "layer:my-layer'"),
        ("arn:aws:lambda:eu-west-1:123456789012:layer:x:1", "layer:x:1'"),
    ],
)
def test_e132_layers(layers: object, bad: str) -> None:
    message = only(run(LAYERS=layers))
    assert message.id == "django_lambda.E132"
    assert bad in message.msg


def test_e133_tags() -> None:
    message = only(run(TAGS={"cost": 3}))
    assert message.id == "django_lambda.E133"


@pytest.mark.parametrize("url", ["127.0.0.1:5000", "ftp://x", "http://"])
def test_e134_endpoint_url(url: str) -> None:
    message = only(run(ENDPOINT_URL=url))
    assert message.id == "django_lambda.E134"


@pytest.mark.parametrize("paths", ["/", ["health/"], [None], {"/": 200}])
def test_e137_smoke_test_paths(paths: object) -> None:
    message = only(run(SMOKE_TEST_PATHS=paths))
    assert message.id == "django_lambda.E137"
    assert repr(paths) in message.msg
    assert run(SMOKE_TEST_PATHS=["/", "/health/?full=1"]) == []


@pytest.mark.parametrize("runtime", ["python3.11", "python3.9", "nodejs20.x"])
def test_e135_snapstart_needs_python_312(runtime: str) -> None:
    message = only(run(RUNTIME=runtime))
    assert message.id == "django_lambda.E135"
    assert repr(runtime) in message.msg
    assert run(RUNTIME=runtime, SNAPSTART=False) == []


def test_deploy_checks_skip_a_setting_that_is_not_a_dict() -> None:
    with override_settings(DJANGO_LAMBDA="site"):
        assert check_deploy_values() == []
        assert check_deploy_settings() == []
