"""Every system check id this app emits, with what its message says and what its hint says.

The checks reference (``docs/reference/checks.md``) is generated from this.
``tests/test_checks.py`` holds it to the code both ways: every id the source
emits is here, every id here is emitted, and every message a check test sees
has its id here. The real messages name the values at fault; these say it in
general. A new check takes the next free id of its range and a row here; an id
is never reused, so a retired check keeps its row with ``retired=True``.
"""

from __future__ import annotations

from typing import NamedTuple


class Check(NamedTuple):
    message: str
    hint: str
    retired: bool = False


_BOOL = "must be True or False."
_STR_LIST = "must be a list of strings."

CATALOG: dict[str, Check] = {
    # The setting itself.
    "django_lambda.E001": Check(
        "DJANGO_LAMBDA has an unknown key.",
        "Names the closest valid key, or lists the valid keys.",
    ),
    "django_lambda.E002": Check(
        "DJANGO_LAMBDA is not a dict.",
        "Write DJANGO_LAMBDA = {'FUNCTION_NAME': 'my-site', ...}.",
    ),
    # What the handler reads.
    "django_lambda.E010": Check(
        "BASE_PATH must be a string.",
        "The path your custom domain maps to the function, e.g. '/api', or '' for none.",
    ),
    "django_lambda.E011": Check(
        "BASE_PATH does not start with '/'.", "Gives the value written with a leading '/'."
    ),
    "django_lambda.E012": Check(
        "BASE_PATH ends with '/'.", "Gives the value without it (the root is '', not '/')."
    ),
    "django_lambda.E013": Check(
        f"TEXT_CONTENT_TYPES {_STR_LIST}", "Patterns such as 'text/*', '+json', 'application/json'."
    ),
    "django_lambda.E014": Check(
        "TEXT_CONTENT_TYPES has an entry that is no content type pattern.",
        "Each entry is 'type/*', '+suffix' or an exact 'type/subtype'.",
    ),
    "django_lambda.E015": Check(
        f"LOG_REQUESTS {_BOOL}", "True logs one line per request, False failures only."
    ),
    "django_lambda.E016": Check(
        "MANAGE is not True, False or a list of command names.",
        "Until it is fixed, the function refuses every command.",
    ),
    # The static storage.
    "django_lambda.E020": Check(
        "The static files manifest directory does not exist.",
        "Create it, or point STATIC_MANIFEST_DIR at a directory inside the project.",
    ),
    "django_lambda.E021": Check(
        "The static files manifest directory is not writable (not checked inside Lambda).",
        "Make it writable, or point STATIC_MANIFEST_DIR at a writable directory.",
    ),
    "django_lambda.E022": Check(
        "StaticStorage has no bucket.",
        "Set STORAGES['staticfiles']['OPTIONS']['bucket_name'] (or AWS_STORAGE_BUCKET_NAME).",
    ),
    "django_lambda.E023": Check(
        "STORAGES['staticfiles']['OPTIONS'] has an unknown key.",
        "Names the closest valid option, or links django-storages' S3 options.",
    ),
    # The package.
    "django_lambda.E100": Check(
        "REQUIREMENTS is set, but the file does not exist.",
        "Names the file looked for, and one found a level above the project.",
    ),
    "django_lambda.E101": Check(
        "REQUIREMENTS is not a path (or None).",
        "A file relative to the project directory, or None to install nothing.",
    ),
    "django_lambda.E102": Check(f"INCLUDE {_STR_LIST}", "Write INCLUDE as a list."),
    "django_lambda.E103": Check(f"EXCLUDE {_STR_LIST}", "Write EXCLUDE as a list."),
    "django_lambda.E104": Check(
        f"EXCLUDE_RUNTIME_PACKAGES {_BOOL}", "True leaves out what the runtime provides."
    ),
    "django_lambda.E105": Check(
        f"RUNTIME_PACKAGES {_STR_LIST}", "A list of distribution names, such as ['boto3']."
    ),
    "django_lambda.E106": Check(
        "RUNTIME is not a Lambda Python runtime this can build for.",
        "'python3.10' or later, or None for the Python running Django.",
    ),
    "django_lambda.E107": Check("ARCHITECTURE is not x86_64 or arm64.", "Use 'x86_64' or 'arm64'."),
    "django_lambda.E108": Check(
        "S3_BUCKET is not a bucket name.",
        "A bucket in the function's region, or None to upload directly (up to 50 MB zipped).",
    ),
    "django_lambda.E109": Check(f"PRUNE {_STR_LIST}", "[*DEFAULT_PRUNE, ...], or []."),
    "django_lambda.E110": Check(
        f"PRUNE_STATIC {_BOOL}", "True leaves the apps' static/ out when StaticStorage has them."
    ),
    "django_lambda.E111": Check(
        "A PRUNE pattern would leave out Python modules, extension modules or metadata.",
        "Every function needs those: remove the pattern or narrow it.",
    ),
    "django_lambda.E112": Check(
        "A PRUNE pattern would leave out .mo translations while USE_I18N is True.",
        "Remove it ('*.po' leaves out the sources), or set USE_I18N = False.",
    ),
    "django_lambda.E113": Check(
        f"COMPILE {_BOOL}", "True ships bytecode (on the runtime's Python); False sources only."
    ),
    "django_lambda.E114": Check(
        f"PRUNE_LOCALES {_BOOL}", "True leaves out translations outside LANGUAGES."
    ),
    "django_lambda.E115": Check(
        "An INCLUDE pattern is absolute or goes up with '..'.",
        "Copy the file into the project and include it from there.",
    ),
    "django_lambda.E116": Check(
        "PROJECT_DIR is not a path (str or os.PathLike) or None.",
        "The directory that holds manage.py, or None for settings.BASE_DIR.",
    ),
    "django_lambda.E117": Check(
        "The project directory does not exist or is not a directory (lambda_deploy only).",
        "Point PROJECT_DIR (or BASE_DIR) at the directory that holds manage.py.",
    ),
    "django_lambda.E118": Check(
        "BUILD_DIR is not a path (str or os.PathLike).",
        "Relative to the project directory or absolute, such as '.lambda'.",
    ),
    "django_lambda.E119": Check(
        "BUILD_DIR is the project directory, or holds it.",
        "Use a directory inside the project, such as '.lambda'.",
    ),
    # The function and its routing.
    "django_lambda.E120": Check(
        "FUNCTION_NAME is required to deploy (lambda_deploy only).",
        "Add 'FUNCTION_NAME': 'my-site'; the first deploy creates the function.",
    ),
    "django_lambda.E121": Check(
        "FUNCTION_NAME is not a valid Lambda function name.",
        "1 to 64 letters, digits, hyphens or underscores.",
    ),
    "django_lambda.E122": Check(
        "REGION does not look like an AWS region.", "'eu-west-1', or None for boto3's default."
    ),
    "django_lambda.E123": Check(
        "ROLE_ARN is not an IAM role ARN.", "'arn:aws:iam::123456789012:role/my-site-lambda'."
    ),
    "django_lambda.E124": Check(
        "MEMORY_SIZE is not an int from 128 to 10240 (MB).", "512 suits most Django sites."
    ),
    "django_lambda.E125": Check(
        "TIMEOUT is not an int from 1 to 900 (seconds).",
        "30 is what an HTTP API or a Function URL client waits for.",
    ),
    "django_lambda.E126": Check(
        "ENVIRONMENT is not a dict of str to str.", "Quote every value, e.g. {'DEBUG': '0'}."
    ),
    "django_lambda.E127": Check(
        "ENVIRONMENT sets variables Lambda reserves.", "Remove them: Lambda sets them itself."
    ),
    "django_lambda.E128": Check(
        "ALIAS is not a valid alias name.",
        "1 to 128 letters, digits, '-' or '_', not only digits, not '$LATEST'.",
    ),
    "django_lambda.E129": Check(
        "HTTP is not 'function_url', 'http_api' or None.", "'function_url' is the simplest."
    ),
    "django_lambda.E130": Check(f"SNAPSTART {_BOOL}", "True snapshots published versions."),
    "django_lambda.E131": Check(
        "VPC is not None or a dict with non-empty 'subnet_ids' and 'security_group_ids'.",
        "The role then needs AWSLambdaVPCAccessExecutionRole.",
    ),
    "django_lambda.E132": Check(
        "LAYERS is not a list of layer version ARNs.", "Full ARNs with the version."
    ),
    "django_lambda.E133": Check(
        "TAGS is not a dict of str to str.", "E.g. {'project': 'my-site'}."
    ),
    "django_lambda.E134": Check(
        "ENDPOINT_URL is not None or an http(s) URL.", "None for AWS; a URL for an emulator."
    ),
    "django_lambda.E135": Check(
        "SNAPSTART needs the python3.12 runtime or newer.",
        "Set RUNTIME to 'python3.12' or newer, or turn SNAPSTART off.",
    ),
    "django_lambda.E136": Check(
        "ENVIRONMENT sets DJANGO_LAMBDA_KEY, the command gate's key.",
        "Remove it: lambda_deploy makes the key and keeps it in the function's configuration.",
    ),
    "django_lambda.E137": Check(
        "SMOKE_TEST_PATHS is not a list of paths starting with '/'.", "E.g. ['/', '/health/']."
    ),
    "django_lambda.W120": Check(
        'TIMEOUT is over 30 s with HTTP = "http_api", which answers 503 after 30 s.',
        "Lower TIMEOUT to 30, or use a Function URL (it waits up to 15 minutes).",
    ),
    # Schedules and tasks.
    "django_lambda.E150": Check(
        "SCHEDULE is not a dict.", "Map each schedule's name to its entry."
    ),
    "django_lambda.E151": Check(
        "A SCHEDULE entry is not a dict.",
        "{'command': 'clearsessions', 'schedule': 'rate(1 day)'}, with an optional 'timezone'.",
    ),
    "django_lambda.E152": Check(
        "A SCHEDULE entry's name cannot name a schedule.",
        "1 to 64 letters, digits, '.', '_' or '-'; 'keep-warm' is KEEP_WARM's.",
    ),
    "django_lambda.E153": Check(
        "A SCHEDULE entry lacks 'command' or 'schedule', or has other keys.",
        "Keep 'command', 'schedule' and the optional 'timezone'.",
    ),
    "django_lambda.E154": Check(
        "A SCHEDULE entry's schedule is no rate(...) or cron(...) expression Scheduler takes.",
        "E.g. 'rate(1 day)', 'rate(15 minutes)', 'cron(0 8 ? * MON *)'.",
    ),
    "django_lambda.E155": Check(
        "A SCHEDULE entry's timezone is no time zone name.",
        "An IANA name such as 'Europe/Paris', or none for UTC.",
    ),
    "django_lambda.E156": Check(
        "A SCHEDULE entry's command is no command line.",
        "The command as manage.py takes it, without 'manage.py'.",
    ),
    "django_lambda.E157": Check(
        "A SCHEDULE entry runs a management command the project does not have.",
        "Check the spelling, and that its app is in INSTALLED_APPS.",
    ),
    "django_lambda.E158": Check(
        "KEEP_WARM is no rate(...) or cron(...) expression.",
        "E.g. 'rate(5 minutes)', or None for no warm-up schedule.",
    ),
    "django_lambda.E159": Check(
        "SCHEDULER_ROLE_ARN is not an IAM role ARN.",
        "A role scheduler.amazonaws.com may assume, or None to let lambda_deploy make one.",
    ),
    "django_lambda.E160": Check(
        "TASK_RETRIES is not 0, 1 or 2.", "0, 1 or 2, or None to keep the alias's setting."
    ),
    "django_lambda.E161": Check(
        "TASK_FAILURE_DESTINATION is not the ARN of an SQS queue or SNS topic.",
        "E.g. arn:aws:sqs:us-east-1:123456789012:failed-tasks.",
    ),
    "django_lambda.E162": Check(
        "TASKS uses django_lambda.tasks.LambdaBackend, and Django has no Tasks framework.",
        "Django 6.0, or the backport: pip install 'django-lambda[tasks]'.",
    ),
    # Settings that break, or quietly misbehave, on Lambda (check --deploy).
    "django_lambda.W100": Check(
        "A cache is local-memory (LocMemCache, Django's default): each instance has its own.",
        "Redis or Memcached (ElastiCache), DatabaseCache, or DummyCache if nothing needs one.",
    ),
    "django_lambda.W101": Check(
        "A cache is file-based (FileBasedCache): each instance has its own /tmp.",
        "As for W100.",
    ),
    "django_lambda.W102": Check(
        "Sessions are stored in files: users are logged out on another instance.",
        "db, cached_db or signed_cookies sessions.",
    ),
    "django_lambda.W103": Check(
        "Sessions are stored only in a local-memory or file cache.",
        "As for W102, or point the cache at Redis or Memcached.",
    ),
    "django_lambda.W104": Check(
        "An SQLite database outside Lambda's /tmp (a file in the project is in /var/task).",
        "RDS or Aurora; for read-only data in the package, INCLUDE the file and silence.",
    ),
    "django_lambda.W105": Check(
        "Media files are stored on the local file system.",
        "S3 through django-storages (storages.backends.s3.S3Storage).",
    ),
    "django_lambda.W106": Check(
        "CONN_MAX_AGE is over 0 or None: every instance holds its own connections.",
        "RDS Proxy (or PgBouncer) and silence, or CONN_MAX_AGE = 0.",
    ),
    "django_lambda.W107": Check(
        "DEBUG is True.", "DEBUG = False in the deployed settings (from ENVIRONMENT)."
    ),
    "django_lambda.W108": Check(
        "ALLOWED_HOSTS cannot match the function's host, so every request gets a 400.",
        "Add '.lambda-url.<region>.on.aws' (or the exact host) and any custom domain.",
    ),
    "django_lambda.W109": Check(
        "A database keeps connections between requests without CONN_HEALTH_CHECKS: a "
        "connection closed while the instance was frozen fails the next request.",
        "CONN_HEALTH_CHECKS = True for that database, or CONN_MAX_AGE = 0.",
    ),
}
