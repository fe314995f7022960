"""What each ``DJANGO_LAMBDA`` key does, in the words the settings reference prints.

The reference page (``docs/reference/settings.md``) is generated from this,
``conf.DEFAULTS`` (the default) and ``conf.LambdaSettings`` (the type);
``tests/test_conf.py`` holds the three to the same keys, so a new setting
without its documentation fails the tests. Markdown (MyST); nothing imports
this module at run time.
"""

from __future__ import annotations

# Section title -> key -> what the key does. The order is the reference's.
SECTIONS: dict[str, dict[str, str]] = {
    "The handler": {
        "BASE_PATH": (
            "The path a custom domain maps to the function (API Gateway base path mapping, "
            'or a CloudFront behaviour), e.g. `"/api"`. It becomes `SCRIPT_NAME`, so '
            "`reverse()` and `build_absolute_uri()` include it, and it is stripped from the "
            "front of the path when the path carries it (on a segment boundary only: `/apis` "
            "is not under `/api`). Starts with `/`, no trailing `/`. On an `execute-api` host "
            "the stage plays this part instead."
        ),
        "TEXT_CONTENT_TYPES": (
            'Response content types sent as text. `"type/*"` matches a major type, '
            '`"+suffix"` a structured-syntax suffix, anything else one exact type (parameters '
            "such as `charset` are ignored). Every other response, any response with a "
            "`Content-Encoding`, and text that is not UTF-8 goes base64-encoded with "
            "`isBase64Encoded: true`."
        ),
        "LOG_REQUESTS": (
            "`True` logs one JSON line per request (`status`, `method`, `path`, `request_id`) "
            "on the `django_lambda.handler` logger. Failed requests (status 500 and up, or an "
            "exception) are logged as one line at `ERROR` whatever this says."
        ),
        "MANAGE": (
            "Which management commands the function runs when invoked directly (see "
            "{doc}`/explanation/security`): `True`, any command that carries its proof; a "
            'list such as `["migrate", "clearsessions"]`, only those (with their proof); '
            "`False`, none."
        ),
    },
    "Static files": {
        "STATIC_MANIFEST_DIR": (
            "Where `collectstatic` writes `staticfiles.json` and where the site reads it; "
            "`None` is the project directory (`PROJECT_DIR`, else `BASE_DIR`). Keep it inside "
            "the project so the manifest ships in the package."
        ),
    },
    "The function": {
        "FUNCTION_NAME": (
            "The Lambda function's name: 1-64 letters, digits, `-`, `_`. Required to deploy "
            "(checked by `lambda_deploy`, not by `manage.py check`, so a project that only "
            "uses the handler stays clean)."
        ),
        "REGION": (
            'AWS region, e.g. `"eu-west-1"`. `None`: boto3\'s default, `AWS_DEFAULT_REGION`, '
            "then the profile's `region`; never `AWS_REGION`. The deploy, the local runs, the "
            "sandbox and check W108 all take the region by this rule; with none anywhere, a "
            "deploy stops (boto3's `NoRegionError`) and the rest use `us-east-1`."
        ),
        "ROLE_ARN": (
            "Execution role the function runs as (`arn:aws:iam::123456789012:role/...`). "
            "Unset when the function is created: `lambda_deploy` creates (or reuses) the role "
            "`FUNCTION_NAME-lambda`; unset later, the deployed role stays."
        ),
        "RUNTIME": (
            "Lambda runtime, such as `python3.12`; also the Python version wheels are "
            "installed for. `None`: the `pythonX.Y` of the interpreter that runs the command."
        ),
        "ARCHITECTURE": '`"x86_64"` or `"arm64"`; also the platform of the wheels.',
        "MEMORY_SIZE": "MB, an int from 128 to 10240. More memory also means more CPU.",
        "TIMEOUT": (
            "Seconds, an int from 1 to 900. An HTTP API stops waiting after 30 s, so more is "
            'a warning with `HTTP = "http_api"`.'
        ),
        "ENVIRONMENT": (
            "Environment variables of the function, str to str. `DJANGO_SETTINGS_MODULE` is "
            "always set (to the settings `lambda_deploy` runs with) unless you set it here, "
            "and so is the command gate's `DJANGO_LAMBDA_KEY`, kept from deploy to deploy, "
            "which this may not set. Lambda's reserved names (`AWS_REGION`, "
            "`AWS_ACCESS_KEY_ID`, `_HANDLER`, ...) are refused. See "
            "{doc}`/explanation/environments`."
        ),
        "SNAPSTART": (
            "`True` snapshots each published version after its init phase "
            "(`ApplyOn: PublishedVersions`); needs `python3.12` or newer."
        ),
        "VPC": (
            '`{"subnet_ids": [...], "security_group_ids": [...]}`, both non-empty. The '
            "execution role then needs `AWSLambdaVPCAccessExecutionRole`."
        ),
        "LAYERS": "Layer version ARNs, with the version (`...:layer:name:3`).",
        "TAGS": "Tags for the function (and the HTTP API), str to str.",
        "ALIAS": (
            "The alias that receives traffic and carries the URL. Not only digits, not `$LATEST`."
        ),
        "HTTP": (
            '`"function_url"` (a public Function URL on the alias), `"http_api"` (an API '
            "Gateway HTTP API named after the function) or `None` (no HTTP endpoint)."
        ),
        "ENDPOINT_URL": (
            "An http(s) URL to send every AWS call to (an emulator); leave `None` for AWS."
        ),
    },
    "The package": {
        "PROJECT_DIR": "The directory that is packaged. `None`: `settings.BASE_DIR`.",
        "BUILD_DIR": (
            "Build output, relative to `PROJECT_DIR` (or absolute); keep it out of git. Never "
            "shipped, wherever it is; it cannot be `PROJECT_DIR` itself."
        ),
        "REQUIREMENTS": (
            "Requirements file installed into the package for the Lambda platform, relative "
            'to `PROJECT_DIR` (`"../requirements.txt"` for one beside it); `None` for none.'
        ),
        "INCLUDE": (
            "Globs, relative to `PROJECT_DIR` and without `..`, of files to put back even "
            "when they match an exclusion (see {doc}`/howto/package`)."
        ),
        "EXCLUDE": (
            "Globs of project files to leave out: without `/` a name at any depth, with `/` a "
            "path from the project directory."
        ),
        "EXCLUDE_RUNTIME_PACKAGES": (
            "Leave out what the Lambda runtime already has (`RUNTIME_PACKAGES`), whether you "
            "list it or another package pulls it in."
        ),
        "RUNTIME_PACKAGES": (
            "The distributions the Lambda Python runtime provides, which "
            "`EXCLUDE_RUNTIME_PACKAGES` leaves out."
        ),
        "PRUNE": (
            "Globs, with `EXCLUDE`'s rules, of installed-requirement files a function never "
            "reads: gettext sources, type information, extension sources, `/bin`. `[]` ships "
            'the requirements whole; `[*DEFAULT_PRUNE, "django/contrib/gis"]` adds to the '
            "default."
        ),
        "PRUNE_STATIC": (
            "Leave the apps' `static/` directories out of the installed requirements when "
            '`STORAGES["staticfiles"]` is `StaticStorage` (`collectstatic` has put them on S3).'
        ),
        "PRUNE_LOCALES": (
            "Leave out of the installed requirements the translations "
            "(`locale/<locale>/LC_MESSAGES/*.mo`) of languages outside `LANGUAGES` and "
            "`LANGUAGE_CODE`, keeping their generic fallbacks (`pt` for `pt-br`); all of them "
            "when `USE_I18N` is `False`."
        ),
        "COMPILE": (
            "Ship each module's bytecode so cold starts do not compile it; only when the "
            "deploy runs on the runtime's Python (otherwise the build says so and ships "
            "sources)."
        ),
        "S3_BUCKET": (
            "Bucket (in the function's region) to upload packages over 50 MB zipped through."
        ),
    },
    "The deploy": {
        "SMOKE_TEST_PATHS": (
            'Paths (`["/", "/health/"]`) the smoke test requests (`GET`, with a Function '
            "URL's host for the function's region) from the built package before it is "
            "uploaded; each must answer below 500."
        ),
    },
    "Schedules and tasks": {
        "SCHEDULE": (
            'Management commands run on a schedule: name -> `{"command": "clearsessions", '
            '"schedule": "rate(1 day)"}`, with an optional `"timezone"` (an IANA name; UTC '
            "without it). `lambda_deploy` keeps one EventBridge Scheduler schedule per entry, "
            "in a group named after the function, invoking the alias; each run is one log line "
            "with the command's output, at `ERROR` when it failed (see "
            "{doc}`/howto/schedules-and-tasks`)."
        ),
        "KEEP_WARM": (
            'How often to send the warm-up event, e.g. `"rate(5 minutes)"`; `None`, no '
            "warm-up schedule."
        ),
        "SCHEDULER_ROLE_ARN": (
            "The role EventBridge Scheduler invokes the function with. `None`: "
            "`lambda_deploy` creates `<function>-scheduler`, which may invoke this function "
            "only."
        ),
        "TASK_RETRIES": (
            "How many times Lambda retries a task (an asynchronous invocation) that failed: 0 "
            "to 2. `None` leaves the alias's setting as it is (Lambda's default is 2)."
        ),
        "TASK_FAILURE_DESTINATION": (
            "The ARN of an SQS queue or SNS topic that gets the tasks that failed every try. "
            "The function's role must be allowed to send to it."
        ),
    },
}
