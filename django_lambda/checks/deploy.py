"""E120-E149 / W120-W139: deploying, the function and its routing.

``check_deploy_values`` judges values that are wrong wherever they are read
(``manage.py check`` runs it); ``check_deploy_settings`` what only deploying
needs (``lambda_deploy`` runs it).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error
from django.core.checks import Warning as CheckWarning

from django_lambda.checks.package_settings import check_project_dir_exists
from django_lambda.checks.setting import setting_check
from django_lambda.conf import SETTING_NAME, is_str_list, lambda_settings
from django_lambda.validation import (
    MUST_BE_BOOL,
    SettingRule,
    int_between,
    is_bool,
    is_str_dict,
    matches,
    optional,
)

MUST_BE_STR_DICT = "{name} must be a dict of str to str, not {value!r}."
# What Lambda accepts as TIMEOUT, in seconds (E125; W120 reads it too).
is_timeout = int_between(1, 900)

FUNCTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
LAYER_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d+$"
)
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
HTTP_CHOICES = ("function_url", "http_api", None)
# Lambda sets these itself and refuses them in a function's configuration:
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
RESERVED_ENVIRONMENT = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# An HTTP API gives up on its integration after 30 seconds:
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
HTTP_API_TIMEOUT = 30
# SnapStart for Python: https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html
SNAPSTART_MIN_PYTHON = (3, 12)


def _reserved(environment: object) -> list[str]:
    """The variables Lambda reserves that ``environment`` (a dict of str) sets."""
    if not is_str_dict(environment):
        return []  # E126
    return sorted(key for key in environment if key in RESERVED_ENVIRONMENT)


def _bad_layers(layers: object) -> list[object]:
    """What in LAYERS is no layer version ARN (all of it, if it is no list)."""
    if not isinstance(layers, (list, tuple)):
        return [layers]
    return [layer for layer in layers if not (isinstance(layer, str) and LAYER_ARN_RE.match(layer))]


def _is_vpc(vpc: object) -> bool:
    return bool(
        isinstance(vpc, dict)
        and set(vpc) == {"subnet_ids", "security_group_ids"}
        and is_str_list(vpc["subnet_ids"])
        and is_str_list(vpc["security_group_ids"])
        and vpc["subnet_ids"]
        and vpc["security_group_ids"]
    )


def _is_http_url(url: object) -> bool:
    return (
        isinstance(url, str)
        and urlsplit(url).scheme in {"http", "https"}
        and bool(urlsplit(url).netloc)
    )


def _is_path_list(paths: object) -> bool:
    return isinstance(paths, (list, tuple)) and all(
        isinstance(path, str) and path.startswith("/") for path in paths
    )


def _check_gate_key() -> list[CheckMessage]:
    """E136: the gate's key belongs in the function's configuration, not in settings."""
    # Imported here: the function imports this module at start, the gate only if it must.
    from django_lambda.gate import KEY_VARIABLE

    environment = lambda_settings.ENVIRONMENT
    if not (is_str_dict(environment) and KEY_VARIABLE in environment):
        return []
    return [
        Error(
            f"{SETTING_NAME}['ENVIRONMENT'] sets {KEY_VARIABLE}, the function's key for "
            "proving management commands.",
            hint="Remove it: lambda_deploy makes a random key on the first deploy and keeps it "
            "in the function's configuration; a key in settings would be in your repository.",
            id="django_lambda.E136",
        )
    ]


def _check_http_api_timeout() -> list[CheckMessage]:
    """W120: an HTTP API waits 30 seconds at most, whatever TIMEOUT says."""
    timeout = lambda_settings.TIMEOUT
    if not (
        lambda_settings.HTTP == "http_api" and is_timeout(timeout) and timeout > HTTP_API_TIMEOUT
    ):
        return []
    return [
        CheckWarning(
            f"{SETTING_NAME}['TIMEOUT'] is {timeout}s, but an HTTP API answers 503 "
            f"after {HTTP_API_TIMEOUT}s whatever the function does.",
            hint=f"Lower TIMEOUT to {HTTP_API_TIMEOUT}, or use HTTP='function_url' for "
            "long requests (Function URLs wait up to 15 minutes).",
            id="django_lambda.W120",
        )
    ]


def _check_snapstart_runtime() -> list[CheckMessage]:
    """E135: SnapStart for Python needs python3.12 or newer."""
    if lambda_settings.SNAPSTART is not True:
        return []
    runtime = lambda_settings.runtime
    version = runtime.removeprefix("python").split(".")
    if (
        len(version) == 2
        and all(part.isdigit() for part in version)
        and tuple(map(int, version)) >= SNAPSTART_MIN_PYTHON
    ):
        return []
    return [
        Error(
            f"{SETTING_NAME}['SNAPSTART'] needs the python3.12 runtime or newer; the runtime "
            f"is {runtime!r}.",
            hint="Set RUNTIME to 'python3.12' or newer, or turn SNAPSTART off.",
            id="django_lambda.E135",
        )
    ]


# Values that are wrong wherever they are read; an unset optional value is fine.
check_deploy_values = setting_check(
    SettingRule(
        "FUNCTION_NAME",
        optional(matches(FUNCTION_NAME_RE)),
        "django_lambda.E121",
        "{name} is not a valid Lambda function name: {value!r}.",
        "Use 1 to 64 letters, digits, hyphens or underscores, e.g. 'my-site'.",
    ),
    SettingRule(
        "REGION",
        optional(matches(REGION_RE)),
        "django_lambda.E122",
        "{name} does not look like an AWS region: {value!r}.",
        "Use a region code such as 'eu-west-1', or None for boto3's default region.",
    ),
    SettingRule(
        "ROLE_ARN",
        optional(matches(ROLE_ARN_RE)),
        "django_lambda.E123",
        "{name} is not an IAM role ARN: {value!r}.",
        "Use the role's ARN, 'arn:aws:iam::123456789012:role/my-site-lambda' (IAM console, "
        "Roles, the role, ARN).",
    ),
    SettingRule(
        "MEMORY_SIZE",
        int_between(128, 10240),
        "django_lambda.E124",
        "{name} must be an int from 128 to 10240 (MB), not {value!r}.",
        "512 suits most Django sites; more memory also means more CPU.",
    ),
    SettingRule(
        "TIMEOUT",
        is_timeout,
        "django_lambda.E125",
        "{name} must be an int from 1 to 900 (seconds), not {value!r}.",
        "30 matches what an HTTP API or a Function URL client will wait for.",
    ),
    _check_http_api_timeout,
    SettingRule(
        "ENVIRONMENT",
        is_str_dict,
        "django_lambda.E126",
        MUST_BE_STR_DICT,
        "Quote every value, e.g. {'DEBUG': '0'}; Lambda environment variables are strings.",
    ),
    SettingRule(
        "ENVIRONMENT",
        lambda environment: not _reserved(environment),
        "django_lambda.E127",
        "{name} sets variables Lambda reserves: {shown}.",
        "Remove them: Lambda sets them itself, and the function's role supplies the credentials.",
        show=lambda environment: ", ".join(_reserved(environment)),
    ),
    _check_gate_key,
    SettingRule(
        "ALIAS",
        lambda alias: bool(matches(ALIAS_RE)(alias) and not alias.isdigit()),
        "django_lambda.E128",
        "{name} is not a valid alias name: {value!r}.",
        "Use 1 to 128 letters, digits, hyphens or underscores, not only digits (those are "
        "versions) and not '$LATEST'; the default is 'live'.",
    ),
    SettingRule(
        "HTTP",
        lambda http: http in HTTP_CHOICES,
        "django_lambda.E129",
        "{name} must be 'function_url', 'http_api' or None, not {value!r}.",
        "'function_url' (the default) is the simplest; None creates no HTTP endpoint.",
    ),
    SettingRule(
        "SNAPSTART",
        is_bool,
        "django_lambda.E130",
        MUST_BE_BOOL,
        "Set SNAPSTART = True to snapshot published versions after their init phase.",
    ),
    _check_snapstart_runtime,
    SettingRule(
        "VPC",
        optional(_is_vpc),
        "django_lambda.E131",
        "{name} must be None or a dict with two non-empty lists, 'subnet_ids' and "
        "'security_group_ids', not {value!r}.",
        "E.g. {'subnet_ids': ['subnet-0abc'], 'security_group_ids': ['sg-0abc']}; the role "
        "then needs AWSLambdaVPCAccessExecutionRole.",
    ),
    SettingRule(
        "LAYERS",
        lambda layers: not _bad_layers(layers),
        "django_lambda.E132",
        "{name} must be a list of layer version ARNs; not valid: {shown}.",
        "Use full ARNs with the version, "
        "e.g. 'arn:aws:lambda:eu-west-1:123456789012:layer:my-layer:3'.",
        show=lambda layers: ", ".join(map(repr, _bad_layers(layers))),
    ),
    SettingRule(
        "TAGS",
        is_str_dict,
        "django_lambda.E133",
        MUST_BE_STR_DICT,
        "E.g. {'project': 'my-site'}.",
    ),
    SettingRule(
        "SMOKE_TEST_PATHS",
        _is_path_list,
        "django_lambda.E137",
        "{name} must be a list of paths starting with '/', not {value!r}.",
        "E.g. ['/', '/health/']: the smoke test requests each before the upload and stops "
        "the deploy on an answer of 500 or more; [] (the default) requests none.",
    ),
    SettingRule(
        "ENDPOINT_URL",
        optional(_is_http_url),
        "django_lambda.E134",
        "{name} must be None or an http(s) URL, not {value!r}.",
        "Leave it None for real AWS; set it (e.g. 'http://127.0.0.1:5000') only for an AWS "
        "emulator.",
    ),
)

# What only deploying needs; ``lambda_deploy`` runs it, ``manage.py check`` does
# not: someone who serves the handler through their own tooling (SAM, CDK, ...)
# never sets FUNCTION_NAME, and their checks must stay clean.
check_deploy_settings = setting_check(
    SettingRule(
        "FUNCTION_NAME",
        lambda name: name is not None,
        "django_lambda.E120",
        "{name} is required to deploy.",
        f"Add 'FUNCTION_NAME': 'my-site' to {SETTING_NAME}; the function is created with that "
        "name on the first deploy.",
    ),
    check_project_dir_exists,
)
