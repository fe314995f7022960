"""The execution role lambda_deploy creates when ROLE_ARN is unset, from an account that
has no role yet (moto in-process, with AWS's managed policies loaded, as AWS has them)."""

from __future__ import annotations

import dataclasses
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import aws
from django_lambda.aws.ownership import OWNER_TAG
from django_lambda.conf import HANDLER, deploy_config, lambda_settings
from django_lambda.configuration import Vpc
from tests.deploy_helpers import FakeBuild, deploy

SETTING = {"FUNCTION_NAME": "site", "REGION": "us-east-1"}
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
LAMBDA_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.fixture
def empty_account(monkeypatch: pytest.MonkeyPatch, sleeps: list[float]) -> Iterator[None]:
    """A moto account with no role, where AWS's managed policies exist (as on AWS)."""
    from moto import mock_aws

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    with mock_aws(), override_settings(DJANGO_LAMBDA=SETTING):
        yield


def iam() -> Any:
    return boto3.client("iam", region_name="us-east-1")


def attached(role_name: str) -> list[str]:
    policies = iam().list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    return sorted(policy["PolicyArn"] for policy in policies)


def function_role() -> str:
    lam = boto3.client("lambda", region_name="us-east-1")
    return str(lam.get_function_configuration(FunctionName="site")["Role"])


def test_first_deploy_creates_the_execution_role(
    empty_account: None, fake_build: FakeBuild
) -> None:
    output = deploy("--skip-static")

    role = iam().get_role(RoleName="site-lambda")["Role"]
    assert role["Arn"] == "arn:aws:iam::123456789012:role/django-lambda/site-lambda"
    assert role["AssumeRolePolicyDocument"] == LAMBDA_TRUST
    assert {"Key": OWNER_TAG, "Value": "site"} in role["Tags"]
    assert attached("site-lambda") == [BASIC]
    assert iam().list_role_policies(RoleName="site-lambda")["PolicyNames"] == []
    assert function_role() == role["Arn"]
    assert (
        "Created role 'site-lambda', trusted by lambda.amazonaws.com, with "
        "AWSLambdaBasicExecutionRole." in output
    )
    assert "Deployed 'site' (created role 'site-lambda'; created the function;" in output


@pytest.mark.slow
def test_later_deploys_keep_the_functions_role(empty_account: None, fake_build: FakeBuild) -> None:
    deploy("--skip-static")
    fake_build.body = "v2"

    output = deploy("--skip-static")

    assert "role" not in output
    assert [role["RoleName"] for role in iam().list_roles()["Roles"]] == ["site-lambda"]


@pytest.mark.slow
def test_a_new_function_reuses_the_role_an_earlier_deploy_created(
    empty_account: None, fake_build: FakeBuild
) -> None:
    deploy("--skip-static")
    arn = function_role()
    boto3.client("lambda", region_name="us-east-1").delete_function(FunctionName="site")

    output = deploy("--skip-static")

    assert function_role() == arn
    assert "Using role 'site-lambda', which an earlier deploy created." in output
    assert "Created role" not in output
    assert "Deployed 'site' (created the function;" in output
    assert attached("site-lambda") == [BASIC]


@pytest.mark.slow
def test_reuse_restores_what_the_role_lost_and_keeps_what_the_user_added(
    empty_account: None, fake_build: FakeBuild
) -> None:
    deploy("--skip-static")
    boto3.client("lambda", region_name="us-east-1").delete_function(FunctionName="site")
    extra = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    client = iam()
    client.detach_role_policy(RoleName="site-lambda", PolicyArn=BASIC)
    client.attach_role_policy(RoleName="site-lambda", PolicyArn=extra)
    client.update_assume_role_policy(
        RoleName="site-lambda",
        PolicyDocument=json.dumps(
            {
                **LAMBDA_TRUST,
                "Statement": [
                    {**LAMBDA_TRUST["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com"}}
                ],
            }
        ),
    )

    output = deploy("--skip-static")

    assert attached("site-lambda") == sorted([BASIC, extra])
    assert client.get_role(RoleName="site-lambda")["Role"]["AssumeRolePolicyDocument"] == (
        LAMBDA_TRUST
    )
    assert "Attached AWSLambdaBasicExecutionRole to role 'site-lambda'." in output
    assert "Updated the trust policy of role 'site-lambda'" in output


def test_a_vpc_function_gets_vpc_access_too(empty_account: None) -> None:
    config = dataclasses.replace(deploy_config(), vpc=Vpc(("subnet-1",), ("sg-1",)))
    said: list[str] = []

    role = aws.ensure_role(aws.Aws.of(config, say=said.append), aws.execution_role(config))

    assert role.created
    assert attached("site-lambda") == [BASIC, VPC_ACCESS]
    assert said == [
        "Created role 'site-lambda', trusted by lambda.amazonaws.com, with "
        "AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole."
    ]


@pytest.mark.slow
def test_a_vpc_set_later_gives_the_role_vpc_access(
    empty_account: None, fake_build: FakeBuild
) -> None:
    deploy("--skip-static")
    config = dataclasses.replace(deploy_config(), vpc=Vpc(("subnet-1",), ("sg-1",)))
    said: list[str] = []

    aws.Deployer(config, say=said.append).upload(fake_build(output=None))

    assert attached("site-lambda") == [BASIC, VPC_ACCESS]
    assert "Attached AWSLambdaVPCAccessExecutionRole to role 'site-lambda'." in said


@pytest.mark.slow
def test_the_tasks_backend_set_later_lets_the_role_invoke_its_function(
    empty_account: None, fake_build: FakeBuild
) -> None:
    deploy("--skip-static")
    assert iam().list_role_policies(RoleName="site-lambda")["PolicyNames"] == []
    config = dataclasses.replace(deploy_config(), invokes_itself=True)

    aws.Deployer(config).upload(fake_build(output=None))

    (name,) = iam().list_role_policies(RoleName="site-lambda")["PolicyNames"]
    document = iam().get_role_policy(RoleName="site-lambda", PolicyName=name)["PolicyDocument"]
    assert [statement["Action"] for statement in document["Statement"]] == ["lambda:InvokeFunction"]


def test_the_roles_name_fits_iams_limit(empty_account: None) -> None:
    name = "f" * 64
    config = dataclasses.replace(deploy_config(), function_name=name)

    spec = aws.execution_role(config)

    assert spec.name == "f" * 57 + "-lambda"
    role = aws.ensure_role(aws.Aws.of(config), spec)
    assert role.arn.endswith(f"role/django-lambda/{'f' * 57}-lambda")


def test_the_functions_tags_go_on_the_role(empty_account: None) -> None:
    config = dataclasses.replace(deploy_config(), tags={"team": "web"})

    aws.ensure_role(aws.Aws.of(config), aws.execution_role(config))

    tags = iam().list_role_tags(RoleName="site-lambda")["Tags"]
    assert sorted((tag["Key"], tag["Value"]) for tag in tags) == [
        (OWNER_TAG, "site"),
        ("team", "web"),
    ]


def test_a_role_of_the_same_name_made_by_someone_else_is_left_alone(
    empty_account: None, fake_build: FakeBuild
) -> None:
    iam().create_role(RoleName="site-lambda", AssumeRolePolicyDocument=json.dumps({}))

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    message = str(raised.value)
    assert message.startswith(
        "[5/7] upload failed: role 'site-lambda' (arn:aws:iam::123456789012:role/site-lambda) "
        "exists, and no deploy of function 'site' created it"
    )
    assert (
        "Hint: set DJANGO_LAMBDA['ROLE_ARN'] to a role of your own that lambda.amazonaws.com "
        "may assume, or delete that role, or tag it django-lambda:function=site" in message
    )
    assert attached("site-lambda") == []


def test_dry_run_says_it_would_create_the_role(empty_account: None, fake_build: FakeBuild) -> None:
    output = deploy("--skip-static", "--dry-run")

    assert (
        "Pretending to create role 'site-lambda', trusted by lambda.amazonaws.com, with "
        "AWSLambdaBasicExecutionRole." in output
    )
    assert iam().list_roles()["Roles"] == []


@pytest.mark.slow
def test_dry_run_says_it_would_reuse_the_role(empty_account: None, fake_build: FakeBuild) -> None:
    deploy("--skip-static")
    boto3.client("lambda", region_name="us-east-1").delete_function(FunctionName="site")

    output = deploy("--skip-static", "--dry-run")

    assert (
        "Pretending to run the function as role 'site-lambda', which an earlier deploy "
        "created." in output
    )


def test_no_permission_to_create_a_role(
    empty_account: None, fake_build: FakeBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubbed = boto3.client("iam", region_name="us-east-1")
    real_client = aws.clients.client
    monkeypatch.setattr(
        aws.clients,
        "client",
        lambda name, **where: stubbed if name == "iam" else real_client(name, **where),
    )

    with Stubber(stubbed) as stubber, pytest.raises(CommandError) as raised:
        stubber.add_client_error("get_role", "NoSuchEntity", http_status_code=404)
        stubber.add_client_error(
            "create_role",
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: "
            "iam:CreateRole",
            http_status_code=403,
        )
        deploy("--skip-static")

    message = str(raised.value)
    assert message.startswith(
        "[5/7] upload failed: create_role on role 'site-lambda' failed (AccessDenied): "
    )
    assert message.endswith(
        "Hint: The deploying identity may not call create_role. Attach the IAM policy from "
        "the documentation, how-to 'Permissions on AWS'. Or set DJANGO_LAMBDA['ROLE_ARN'] to "
        "a role of your own that lambda.amazonaws.com may assume."
    )


def test_create_function_waits_until_lambda_can_assume_the_new_role(
    empty_account: None,
    fake_build: FakeBuild,
    monkeypatch: pytest.MonkeyPatch,
    sleeps: list[float],
) -> None:
    """On AWS a new role is not assumable for a few seconds; CreateFunction says so."""
    stubbed = boto3.client("lambda", region_name="us-east-1")
    real_client = aws.clients.client
    monkeypatch.setattr(
        aws.clients,
        "client",
        lambda name, **where: stubbed if name == "lambda" else real_client(name, **where),
    )
    role_arn = "arn:aws:iam::123456789012:role/django-lambda/site-lambda"
    answer = {
        "FunctionName": "site",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:site",
        "Role": role_arn,
        "Handler": HANDLER,
        "Runtime": lambda_settings.runtime,
        "State": "Active",
        "LastUpdateStatus": "Successful",
    }
    said: list[str] = []
    deployer = aws.Deployer(deploy_config(), say=said.append)

    with Stubber(stubbed) as stubber:
        stubber.add_client_error(
            "get_function_configuration", "ResourceNotFoundException", http_status_code=404
        )
        for _ in range(2):
            stubber.add_client_error(
                "create_function",
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
                http_status_code=400,
            )
        stubber.add_response(
            "create_function", answer, {"FunctionName": "site", "Role": role_arn, **ANYTHING}
        )
        stubber.add_response("get_function_configuration", answer)

        deployment = deployer.upload(fake_build(output=None))

        stubber.assert_no_pending_responses()
    assert deployment.created_role == "site-lambda"
    assert sleeps == [1.0, 2.0]
    assert (
        "InvalidParameterValueException from create_function (The role defined for the "
        "function cannot be assumed by Lambda.); retry 1 in 1s" in said
    )


# CreateFunction's other arguments, which this test does not judge.
ANYTHING = {
    name: ANY
    for name in (
        "Handler",
        "Runtime",
        "MemorySize",
        "Timeout",
        "Environment",
        "SnapStart",
        "Code",
        "Architectures",
        "PackageType",
        "Publish",
        "Tags",
    )
}


def test_with_role_arn_no_role_is_created(empty_account: None, fake_build: FakeBuild) -> None:
    role = iam().create_role(RoleName="mine", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    out = io.StringIO()

    with override_settings(DJANGO_LAMBDA={**SETTING, "ROLE_ARN": role["Role"]["Arn"]}):
        call_command("lambda_deploy", "--skip-static", stdout=out, stderr=io.StringIO())

    assert [r["RoleName"] for r in iam().list_roles()["Roles"]] == ["mine"]
    assert function_role() == role["Role"]["Arn"]
    assert "role" not in out.getvalue()
