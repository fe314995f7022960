from __future__ import annotations

from django.core.management import call_command
from django.test import override_settings

from django_lambda.checks import check_setting_shape
from django_lambda.conf import deploy_config, lambda_settings


def test_no_setting_is_fine() -> None:
    with override_settings(DJANGO_LAMBDA=None):
        assert check_setting_shape() == []


def test_known_keys_pass() -> None:
    with override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site", "ALIAS": "prod"}):
        assert check_setting_shape() == []


def test_e001_unknown_key_names_closest() -> None:
    with override_settings(DJANGO_LAMBDA={"FUNCTON_NAME": "site"}):
        [error] = check_setting_shape()
    assert error.id == "django_lambda.E001"
    assert "'FUNCTON_NAME'" in error.msg
    assert error.hint == "Did you mean 'FUNCTION_NAME'?"


def test_e001_unknown_key_without_close_match_lists_keys() -> None:
    with override_settings(DJANGO_LAMBDA={"ZZZ": 1}):
        [error] = check_setting_shape()
    assert error.id == "django_lambda.E001"
    assert "FUNCTION_NAME" in str(error.hint)


def test_e002_not_a_dict() -> None:
    with override_settings(DJANGO_LAMBDA=["FUNCTION_NAME"]):
        [error] = check_setting_shape()
    assert error.id == "django_lambda.E002"
    assert "list" in error.msg


def test_check_command_passes_on_test_settings() -> None:
    call_command("check")


def test_settings_are_read_live() -> None:
    assert lambda_settings.ALIAS == "live"
    with override_settings(DJANGO_LAMBDA={"ALIAS": "blue"}):
        assert lambda_settings.ALIAS == "blue"
    assert lambda_settings.ALIAS == "live"


def test_runtime_defaults_to_running_interpreter() -> None:
    import sys

    assert lambda_settings.runtime == f"python{sys.version_info[0]}.{sys.version_info[1]}"


def test_aws_client_uses_configured_region_and_endpoint() -> None:
    from django_lambda import aws

    with override_settings(
        DJANGO_LAMBDA={"REGION": "eu-west-3", "ENDPOINT_URL": "http://127.0.0.1:9"}
    ):
        config = deploy_config()
    lambda_client = aws.Deployer(config).client("lambda")
    assert lambda_client.meta.region_name == "eu-west-3"
    assert lambda_client.meta.endpoint_url == "http://127.0.0.1:9"
