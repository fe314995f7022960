"""One test per handler check id (E010-E019)."""

from __future__ import annotations

import pytest
from django.core.checks import Error
from django.test import override_settings

from django_lambda.checks import check_handler_settings


def run(**setting: object) -> list[tuple[str | None, str, str | None]]:
    with override_settings(DJANGO_LAMBDA=setting):
        return [(e.id, e.msg, e.hint) for e in check_handler_settings() if isinstance(e, Error)]


def test_defaults_pass() -> None:
    assert run() == []


@pytest.mark.parametrize("base_path", ["", "/api", "/api/v1"])
def test_good_base_paths_pass(base_path: str) -> None:
    assert run(BASE_PATH=base_path) == []


def test_e010_base_path_not_a_string() -> None:
    assert run(BASE_PATH=None) == [
        (
            "django_lambda.E010",
            "DJANGO_LAMBDA['BASE_PATH'] must be a string, not NoneType.",
            "Use the path your custom domain maps to the function, e.g. '/api', or '' for none.",
        )
    ]


def test_e011_base_path_without_leading_slash() -> None:
    assert run(BASE_PATH="api/") == [
        (
            "django_lambda.E011",
            "DJANGO_LAMBDA['BASE_PATH'] 'api/' does not start with '/'.",
            "Write it as '/api'.",
        )
    ]


@pytest.mark.parametrize(
    ("base_path", "hint"),
    [("/api/", "Write it as '/api'."), ("/", "Write it as '' (the root is '', not '/').")],
)
def test_e012_base_path_with_trailing_slash(base_path: str, hint: str) -> None:
    assert run(BASE_PATH=base_path) == [
        (
            "django_lambda.E012",
            f"DJANGO_LAMBDA['BASE_PATH'] {base_path!r} ends with '/'.",
            hint,
        )
    ]


@pytest.mark.parametrize("types", ["text/*", ["text/*", 3]])
def test_e013_text_content_types_not_a_list_of_strings(types: object) -> None:
    assert run(TEXT_CONTENT_TYPES=types) == [
        (
            "django_lambda.E013",
            f"DJANGO_LAMBDA['TEXT_CONTENT_TYPES'] must be a list of strings, not {types!r}.",
            "List content types sent as text: 'text/*', '+json' or an exact type "
            "such as 'application/json'.",
        )
    ]


def test_e014_text_content_type_pattern_malformed() -> None:
    assert run(TEXT_CONTENT_TYPES=["text/*", "json", "+xml", "application/json"]) == [
        (
            "django_lambda.E014",
            "DJANGO_LAMBDA['TEXT_CONTENT_TYPES'] has 'json', which is no content type pattern.",
            "Each entry is 'type/*', '+suffix' or an exact 'type/subtype'.",
        )
    ]


def test_e015_log_requests_not_a_bool() -> None:
    assert run(LOG_REQUESTS="yes") == [
        (
            "django_lambda.E015",
            "DJANGO_LAMBDA['LOG_REQUESTS'] must be True or False, not 'yes'.",
            "Set it to True to log one line per request, False for failures only.",
        )
    ]


@pytest.mark.parametrize("manage", [True, False, [], ["migrate", "clearsessions"], ("check",)])
def test_good_manage_values_pass(manage: object) -> None:
    assert run(MANAGE=manage) == []


@pytest.mark.parametrize("manage", ["migrate", None, 1, ["migrate", 3], {"migrate": True}])
def test_e016_manage_not_a_bool_or_list_of_names(manage: object) -> None:
    assert run(MANAGE=manage) == [
        (
            "django_lambda.E016",
            f"DJANGO_LAMBDA['MANAGE'] must be True, False or a list of command names, "
            f"not {manage!r}.",
            "True (the default) runs any command that carries a proof from lambda_invoke; "
            "a list such as ['migrate', 'clearsessions'] runs only those; False runs none. "
            "Until this is fixed the function refuses every command.",
        )
    ]


def test_registered_with_django() -> None:
    from django.core import checks

    with override_settings(DJANGO_LAMBDA={"LOG_REQUESTS": 1}):
        ids = [m.id for m in checks.run_checks()]
    assert "django_lambda.E015" in ids


def test_not_run_when_setting_is_not_a_dict() -> None:
    with override_settings(DJANGO_LAMBDA=["BASE_PATH"]):
        assert check_handler_settings() == []
