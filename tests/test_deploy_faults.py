"""Every AWS call of a deploy fails once, in turn, against moto's real state.

``tests/test_deploy_failures.py`` scripts single failures with a Stubber and
checks the messages. This sweeps them all instead: it records the calls a
deploy makes, then for each call deploys a function of its own (in one moto
account) with that call, and only that one, failing, and checks what is
left in AWS:

- throttling or a conflicting update is retried and the deploy completes;
- any other error stops the deploy with a CommandError, the alias still on
  the old version (or, past the alias move, fully on the new one), no stray
  version, and a plain rerun completes to exactly the state of a clean deploy.

Faults are injected the way ``botocore.stub.Stubber`` does it, by answering
the client's ``before-call`` event, but only for the one call, so every other
call still reaches moto and the state after a failure is real.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import aws
from django_lambda.conf import lambda_settings
from tests.deploy_helpers import FakeBuild, deploy

pytestmark = pytest.mark.slow

# The AWS steps are what these tests sweep: the package is never started here.
DEPLOY = ("--skip-static", "--no-smoke-test")

STATUS = {
    "TooManyRequestsException": 429,
    "ResourceConflictException": 409,
    "ServiceException": 500,
}


@dataclass
class Faults:
    """Counts every AWS call the deploy makes, and fails the ones in ``plan``."""

    calls: list[str] = field(default_factory=list)
    plan: dict[int, str] = field(default_factory=dict)  # call number -> AWS error code

    def before_call(self, model: Any, **kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        number = len(self.calls)
        self.calls.append(xform_name(model.name))
        code = self.plan.pop(number, None)
        if code is None:
            return None
        error = {"Code": code, "Message": f"injected into call {number} ({self.calls[-1]})"}
        status = STATUS[code]
        return AWSResponse(None, status, {}, None), {  # type: ignore[arg-type]
            "Error": error,
            "ResponseMetadata": {"HTTPStatusCode": status},
        }


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    faults = Faults()
    make_client = aws.client
    # One client per service for every deploy of the test: making one costs
    # more than a whole deploy against moto.
    clients: dict[str, Any] = {}

    def client(service_name: str, **where: Any) -> Any:
        if service_name not in clients:
            clients[service_name] = make_client(service_name, **where)
            clients[service_name].meta.events.register("before-call", faults.before_call)
        return clients[service_name]

    monkeypatch.setattr(aws.clients, "client", client)
    return faults


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


@dataclass(frozen=True)
class State:
    """What a deploy leaves in AWS, in the terms that matter to traffic."""

    alias: str | None
    versions: list[str]
    latest_sha: str | None
    url: str | None
    permissions: list[str]

    def matches(self, clean: State) -> bool:
        """The same as ``clean``, but for the URL's random name in each fresh moto."""
        return (self.alias, self.versions, self.latest_sha, self.permissions, bool(self.url)) == (
            clean.alias,
            clean.versions,
            clean.latest_sha,
            clean.permissions,
            bool(clean.url),
        )


def state() -> State:
    """What AWS holds for the configured function."""
    name = lambda_settings.FUNCTION_NAME
    assert name is not None
    client = boto3.client("lambda", region_name="us-east-1")
    try:
        latest = client.get_function_configuration(FunctionName=name)
    except client.exceptions.ResourceNotFoundException:
        return State(None, [], None, None, [])
    versions = client.list_versions_by_function(FunctionName=name)["Versions"]
    try:
        alias = client.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
    except client.exceptions.ResourceNotFoundException:
        alias = None
    try:
        url = client.get_function_url_config(FunctionName=name, Qualifier="live")["FunctionUrl"]
    except client.exceptions.ResourceNotFoundException:
        url = None
    try:
        policy = json.loads(client.get_policy(FunctionName=name, Qualifier="live")["Policy"])
        permissions = sorted(statement["Sid"] for statement in policy["Statement"])
    except client.exceptions.ResourceNotFoundException:
        permissions = []
    return State(
        alias=alias,
        versions=[v["Version"] for v in versions if v["Version"] != "$LATEST"],
        latest_sha=latest["CodeSha256"],
        url=url,
        permissions=permissions,
    )


def start(
    number: int, role_arn: str, fake_build: FakeBuild, faults: Faults, *, update: bool
) -> dict[str, Any]:
    """Settings for a function of its own, absent (``update=False``) or with v1 deployed.

    The next deploy is of v2.
    """
    setting = {"FUNCTION_NAME": f"site-{number}", "ROLE_ARN": role_arn, "REGION": "us-east-1"}
    fake_build.body = "v1"
    if update:
        with override_settings(DJANGO_LAMBDA=setting):
            deploy(*DEPLOY)
        fake_build.body = "v2"
    faults.calls.clear()
    return setting


Calls = list[str]
# The calls and end state of a clean first deploy, then of a clean update.
Clean = tuple[tuple[Calls, State], tuple[Calls, State]]


@pytest.fixture
def clean(role_arn: str, faults: Faults, fake_build: FakeBuild) -> Clean:
    """The calls and end state of a clean first deploy (v1), then of a clean update (v2)."""
    setting = start(-1, role_arn, fake_build, faults, update=False)
    with override_settings(DJANGO_LAMBDA=setting):
        deploy(*DEPLOY)
        first = (list(faults.calls), state())
        fake_build.body = "v2"
        faults.calls.clear()
        deploy(*DEPLOY)
        second = (list(faults.calls), state())
    return first, second


def test_a_clean_deploy_is_what_the_sweeps_compare_with(
    clean: Clean,
) -> None:
    (first_calls, first), (second_calls, second) = clean
    assert (first.alias, first.versions, second.alias, second.versions) == (
        "1",
        ["1"],
        "2",
        ["1", "2"],
    )
    assert second.url == first.url is not None
    assert len(second.permissions) == 2
    for calls in (first_calls, second_calls):
        assert {"publish_version", "get_function_url_config"} <= set(calls)
    assert "update_alias" in second_calls and "update_function_code" in second_calls


RETRYABLE = ["TooManyRequestsException", "ResourceConflictException"]


def retried(number: int, operation: str, code: str, expected: State, faults: Faults) -> str:
    """What is wrong after a deploy in which call ``number`` met ``code`` once ("" if nothing)."""
    output = deploy(*DEPLOY)
    if f"{code} from {operation}; retry 1" not in output:
        return "not retried"
    if faults.calls[number + 1] != operation:
        return f"retried with {faults.calls[number + 1]} instead"
    end = state()
    if not end.matches(expected):
        return f"ended as {end}, not as {expected}"
    return ""


def failed_then_rerun(number: int, alias_call: int, old: str | None, expected: State) -> str:
    """What is wrong after a deploy in which call ``number`` failed, and after a rerun."""
    try:
        deploy(*DEPLOY)
    except CommandError as error:
        if "(ServiceException)" not in str(error):
            return f"failed with {error}"
    else:
        return "the deploy went on as if the call had worked"
    after = state()
    # Traffic stays on the old version until the alias moves, then it is on the new one.
    if after.alias != (old if number <= alias_call else expected.alias):
        return f"left the alias on {after.alias}"
    if not set(after.versions) <= set(expected.versions):
        return f"left versions {after.versions}"
    try:
        deploy(*DEPLOY)
    except CommandError as error:
        return f"the rerun failed: {error}"
    end = state()
    if not end.matches(expected):
        return f"the rerun ended as {end}, not as {expected}"
    return ""


@pytest.mark.parametrize("update", [False, True], ids=["first-deploy", "update"])
def test_every_call_is_retried_through_throttling_and_conflicts(
    update: bool, clean: Clean, role_arn: str, faults: Faults, fake_build: FakeBuild
) -> None:
    calls, expected = clean[update]
    problems = {}
    for number, operation in enumerate(calls):
        code = RETRYABLE[number % 2]
        setting = start(number, role_arn, fake_build, faults, update=update)
        faults.plan = {number: code}
        with override_settings(DJANGO_LAMBDA=setting):
            problem = retried(number, operation, code, expected, faults)
        if problem:
            problems[f"{code} on call {number} ({operation})"] = problem
    assert problems == {}


@pytest.mark.parametrize("update", [False, True], ids=["first-deploy", "update"])
def test_a_failed_call_leaves_traffic_whole_and_a_rerun_completes(
    update: bool, clean: Clean, role_arn: str, faults: Faults, fake_build: FakeBuild
) -> None:
    calls, expected = clean[update]
    alias_call = calls.index("update_alias" if update else "create_alias")
    old = "1" if update else None
    problems = {}
    for number, operation in enumerate(calls):
        setting = start(number, role_arn, fake_build, faults, update=update)
        faults.plan = {number: "ServiceException"}
        with override_settings(DJANGO_LAMBDA=setting):
            problem = failed_then_rerun(number, alias_call, old, expected)
        if problem:
            problems[f"ServiceException on call {number} ({operation})"] = problem
    assert problems == {}
