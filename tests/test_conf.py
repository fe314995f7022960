"""conf: the typed settings, the deploy's configuration, its one region rule."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from django_lambda import aws, checks, conf, local, sandbox
from django_lambda.conf import (
    DEFAULTS,
    deploy_config,
    function_region,
    handler_settings,
    local_runtime,
)
from django_lambda.configuration import DeployConfig, Vpc

PACKAGE = Path(conf.__file__).resolve().parent


def test_every_setting_has_a_typed_attribute() -> None:
    assert set(conf.LambdaSettings.__annotations__) == set(DEFAULTS)


def test_a_name_that_is_no_setting_is_an_error() -> None:
    with pytest.raises(AttributeError, match="DJANGO_LAMBDA has no setting 'FUNCTON_NAME'"):
        # And one for mypy (strict mypy fails on an ignore that is not needed).
        conf.lambda_settings.FUNCTON_NAME  # type: ignore[attr-defined]  # noqa: B018


def test_deploy_config_holds_the_settings(tmp_path: Path) -> None:
    setting = {
        "FUNCTION_NAME": "site",
        "REGION": "eu-west-3",
        "ROLE_ARN": "arn:aws:iam::123456789012:role/site",
        "RUNTIME": "python3.12",
        "ARCHITECTURE": "arm64",
        "MEMORY_SIZE": 1024,
        "TIMEOUT": 10,
        "ENVIRONMENT": {"DEBUG": "0"},
        "SNAPSTART": True,
        "VPC": {"subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1", "sg-2"]},
        "LAYERS": ["arn:aws:lambda:eu-west-3:123456789012:layer:x:1"],
        "TAGS": {"team": "web"},
        "ALIAS": "blue",
        "HTTP": "http_api",
        "ENDPOINT_URL": "http://127.0.0.1:9",
        "PROJECT_DIR": str(tmp_path),
        "BUILD_DIR": "out",
        "STATIC_MANIFEST_DIR": str(tmp_path / "manifest"),
        "REQUIREMENTS": "requirements/prod.txt",
        "INCLUDE": ["data/*.csv"],
        "EXCLUDE": ["docs"],
        "EXCLUDE_RUNTIME_PACKAGES": False,
        "RUNTIME_PACKAGES": ["boto3"],
        "PRUNE": ["*.po"],
        "PRUNE_STATIC": False,
        "PRUNE_LOCALES": False,
        "COMPILE": False,
        "S3_BUCKET": "deploys",
        "SMOKE_TEST_PATHS": ["/", "/health/"],
    }
    with override_settings(DJANGO_LAMBDA=setting):
        config = deploy_config()

    assert config == DeployConfig(
        function_name="site",
        region="eu-west-3",
        role_arn="arn:aws:iam::123456789012:role/site",
        runtime="python3.12",
        architecture="arm64",
        memory_size=1024,
        timeout=10,
        environment={"DEBUG": "0"},
        snapstart=True,
        vpc=Vpc(("subnet-1",), ("sg-1", "sg-2")),
        layers=("arn:aws:lambda:eu-west-3:123456789012:layer:x:1",),
        tags={"team": "web"},
        alias="blue",
        http="http_api",
        endpoint_url="http://127.0.0.1:9",
        project_dir=tmp_path,
        build_dir=tmp_path / "out",
        build_dir_setting="out",
        manifest_dir=tmp_path / "manifest",
        requirements="requirements/prod.txt",
        requirements_explicit=True,
        include=("data/*.csv",),
        exclude=("docs",),
        exclude_runtime_packages=False,
        runtime_packages=("boto3",),
        prune=("*.po",),
        prune_static=False,
        prune_locales=False,
        compile=False,
        s3_bucket="deploys",
        smoke_test_paths=("/", "/health/"),
    )


def test_the_fields_taken_as_set_have_their_settings_types() -> None:
    fields = {field.name: field.type for field in dataclasses.fields(DeployConfig)}
    settings_types = conf.LambdaSettings.__annotations__
    for name in conf.AS_SET:
        assert fields[name.lower()] == settings_types[name], name
    for name in conf.STRING_LISTS:
        assert fields[name.lower()] == "tuple[str, ...]", name
    # Every field is built: as set, as a list of strings, or by a rule of its own.
    assert {name.lower() for name in (*conf.AS_SET, *conf.STRING_LISTS)} < set(fields)


def test_deploy_config_resolves_the_defaults() -> None:
    with override_settings(DJANGO_LAMBDA={}):
        config = deploy_config()

    assert (config.function_name, config.local_name) == (None, "local")
    assert config.runtime == local_runtime()
    assert config.project_dir == Path(settings.BASE_DIR)
    assert config.build_dir == Path(settings.BASE_DIR) / ".lambda"
    assert config.manifest_dir == Path(settings.BASE_DIR)
    assert (config.requirements, config.requirements_explicit) == ("requirements.txt", False)
    assert config.vpc is None
    assert (config.alias, config.http) == ("live", "function_url")


def test_a_value_the_checks_refuse_does_not_stop_building_the_configuration() -> None:
    # The system checks report these (E116, E118, E126, E102, E128); every
    # command runs them before it uses the configuration.
    wrong = {"PROJECT_DIR": 5, "BUILD_DIR": 6, "ENVIRONMENT": "x", "INCLUDE": 7, "VPC": [1]}
    with override_settings(DJANGO_LAMBDA=wrong):
        config = deploy_config()
        errors = {message.id for message in checks.check_deploy_configuration()}

    assert (config.project_dir, config.build_dir) == (
        Path(settings.BASE_DIR),
        Path(settings.BASE_DIR) / ".lambda",
    )
    assert (config.environment, config.include, config.vpc) == ({}, (), None)
    assert {"django_lambda.E116", "django_lambda.E118", "django_lambda.E102"} <= errors


def test_the_configuration_is_frozen() -> None:
    config = deploy_config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.function_name = "other"  # type: ignore[misc]


# -- The region rule ---------------------------------------------------------


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_region_setting_comes_first(no_region: pytest.MonkeyPatch) -> None:
    no_region.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert function_region("eu-west-3") == "eu-west-3"


def test_then_boto3s_default_region_and_never_aws_region(no_region: pytest.MonkeyPatch) -> None:
    no_region.setenv("AWS_REGION", "ap-south-1")
    no_region.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert function_region(None) == "us-west-2"


def test_then_the_profiles_region(no_region: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config_file = tmp_path / "config"
    config_file.write_text("[profile site]\nregion = eu-north-1\n")
    no_region.setenv("AWS_CONFIG_FILE", str(config_file))
    no_region.setenv("AWS_PROFILE", "site")
    no_region.setenv("AWS_REGION", "ap-south-1")
    assert function_region(None) == "eu-north-1"


def test_no_region_anywhere(no_region: pytest.MonkeyPatch) -> None:
    no_region.setenv("AWS_REGION", "ap-south-1")
    with override_settings(DJANGO_LAMBDA={}):
        config = deploy_config()
    # The deploy has none (boto3 refuses it); what needs a name takes the default.
    assert (config.region, config.named_region) == (None, "us-east-1")


def test_every_place_that_needs_the_region_follows_the_rule(
    no_region: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_region.setenv("AWS_REGION", "ap-south-1")
    no_region.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    started: dict[str, object] = {}
    no_region.setattr(
        sandbox.activation, "activate", lambda project_dir, **options: started.update(options)
    )
    with override_settings(
        DJANGO_LAMBDA={"FUNCTION_NAME": "site", "PROJECT_DIR": str(tmp_path)},
        ALLOWED_HOSTS=[".lambda-url.eu-west-3.on.aws"],
    ):
        config = deploy_config()
        host_warnings = checks.check_allowed_hosts()
    sandbox.activate_project(config)

    assert config.region == "eu-west-3"
    # The deploy, the local runs, the host check and the sandbox.
    assert aws.Deployer(config).client("lambda").meta.region_name == "eu-west-3"
    assert local.function_options(config)["region"] == "eu-west-3"
    assert host_warnings == []
    assert started["region"] == "eu-west-3"


# -- The handler's settings --------------------------------------------------


def test_the_handlers_settings_are_read_once_per_change() -> None:
    first = handler_settings()
    assert handler_settings() is first
    with override_settings(
        DJANGO_LAMBDA={"BASE_PATH": "/café", "MANAGE": ["migrate"], "LOG_REQUESTS": True}
    ):
        changed = handler_settings()
        assert changed is not first
        # Compared with PATH_INFO, which carries latin-1 of the UTF-8 bytes.
        assert changed.base_path == "/caf\xc3\xa9"
        assert (changed.manage, changed.log_requests) == (("migrate",), True)
    with override_settings(DJANGO_LAMBDA={"MANAGE": "migrate"}):
        # Neither True, False nor a list (E016): no command runs.
        assert handler_settings().manage is None


# -- Who reads the settings --------------------------------------------------


def test_only_conf_the_checks_and_the_commands_read_the_settings() -> None:
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        if {"lambda_settings", "DJANGO_LAMBDA"} & (names | imported):
            readers.append(relative)
    assert [
        reader
        for reader in readers
        if reader != "conf.py" and not reader.startswith(("checks/", "management/"))
    ] == []
    assert "conf.py" in readers
