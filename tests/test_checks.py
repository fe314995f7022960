from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from django_lambda.checks import check_setting_shape
from django_lambda.checks.catalog import CATALOG
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


# -- The catalog the checks reference is generated from -----------------------

SOURCE = Path(__file__).resolve().parent.parent / "django_lambda"
# An id as the source writes it: "django_lambda.E001", or "W100" where the
# module adds the prefix itself (on_lambda's cache table).
ID_IN_SOURCE = re.compile(r"""["'](?:django_lambda\.)?([EW]\d{3})["']""")


def ids_in_source() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if path.name == "catalog.py":
            continue
        found.update(f"django_lambda.{match}" for match in ID_IN_SOURCE.findall(path.read_text()))
    return found


def test_every_id_the_code_emits_is_in_the_catalog() -> None:
    assert ids_in_source() - set(CATALOG) == set()


def test_every_id_in_the_catalog_is_emitted_or_retired() -> None:
    live = {check_id for check_id, check in CATALOG.items() if not check.retired}
    assert live - ids_in_source() == set()


def test_the_catalog_says_something_for_every_id() -> None:
    for check_id, check in CATALOG.items():
        assert re.fullmatch(r"django_lambda\.[EW]\d{3}", check_id), check_id
        assert check.message.strip() and check.hint.strip(), check_id


def test_the_source_scan_finds_ids_written_either_way() -> None:
    # on_lambda writes W100 and W101 without the prefix; the scan must see them.
    assert {"django_lambda.W100", "django_lambda.W101", "django_lambda.E001"} <= ids_in_source()


@pytest.mark.slow
def test_a_message_with_an_unknown_id_fails_the_emitting_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The guard in tests/conftest.py: any test that makes a django_lambda
    # message whose id is not in the catalog fails.
    pytester.makeconftest("from tests.conftest import check_ids_are_in_the_catalog")
    pytester.makepyfile(
        """
        from django.core.checks import Error

        def test_emits():
            Error("made up", hint="none", id="django_lambda.E999")
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(SOURCE.parent))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    result = pytester.runpytest_subprocess(
        "-p", "no:django", "-p", "no:xdist", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*django_lambda.E999*not in django_lambda/checks/catalog.py*"])
