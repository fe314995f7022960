"""E010-E019: the settings the Lambda handler reads on every request."""

from __future__ import annotations

from django.core.checks import CheckMessage, Error

from django_lambda.checks.setting import setting_check
from django_lambda.conf import SETTING_NAME, is_str_list, lambda_settings
from django_lambda.validation import MUST_BE_BOOL, MUST_BE_STR_LIST, SettingRule, is_bool


def _check_base_path_form() -> list[CheckMessage]:
    """E011, E012: BASE_PATH, a string (else E010), is '' or starts, and does not end, with '/'."""
    base_path = lambda_settings.BASE_PATH
    if not isinstance(base_path, str):
        return []
    name = f"{SETTING_NAME}['BASE_PATH']"
    if base_path and not base_path.startswith("/"):
        return [
            Error(
                f"{name} {base_path!r} does not start with '/'.",
                hint=f"Write it as {'/' + base_path.rstrip('/')!r}.",
                id="django_lambda.E011",
            )
        ]
    if base_path.endswith("/"):
        return [
            Error(
                f"{name} {base_path!r} ends with '/'.",
                hint=f"Write it as {base_path.rstrip('/')!r}"
                + (" (the root is '', not '/')." if base_path == "/" else "."),
                id="django_lambda.E012",
            )
        ]
    return []


check_handler_settings = setting_check(
    SettingRule(
        "BASE_PATH",
        lambda base_path: isinstance(base_path, str),
        "django_lambda.E010",
        "{name} must be a string, not {type}.",
        "Use the path your custom domain maps to the function, e.g. '/api', or '' for none.",
    ),
    _check_base_path_form,
    SettingRule(
        "TEXT_CONTENT_TYPES",
        is_str_list,
        "django_lambda.E013",
        MUST_BE_STR_LIST,
        "List content types sent as text: 'text/*', '+json' or an exact type such as "
        "'application/json'.",
    ),
    SettingRule(
        "TEXT_CONTENT_TYPES",
        lambda pattern: pattern.startswith("+") or pattern.count("/") == 1,
        "django_lambda.E014",
        "{name} has {value!r}, which is no content type pattern.",
        "Each entry is 'type/*', '+suffix' or an exact 'type/subtype'.",
        each=True,
    ),
    SettingRule(
        "LOG_REQUESTS",
        is_bool,
        "django_lambda.E015",
        MUST_BE_BOOL,
        "Set it to True to log one line per request, False for failures only.",
    ),
    SettingRule(
        "MANAGE",
        lambda manage: isinstance(manage, bool) or is_str_list(manage),
        "django_lambda.E016",
        "{name} must be True, False or a list of command names, not {value!r}.",
        "True (the default) runs any command that carries a proof from lambda_invoke; a list "
        "such as ['migrate', 'clearsessions'] runs only those; False runs none. Until this is "
        "fixed the function refuses every command.",
    ),
)
