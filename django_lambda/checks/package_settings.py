"""E100-E119: the settings of the package build.

E109-E112 what PRUNE leaves out, E113 COMPILE, E114 PRUNE_LOCALES, E115 INCLUDE
reaching outside the project, E116-E119 PROJECT_DIR and BUILD_DIR. E117,
whether PROJECT_DIR exists, is checked by lambda_deploy only (on Lambda the
project is elsewhere), in ``check_deploy_settings``. The build refuses a wrong
RUNTIME or ARCHITECTURE in the words of E106 and E107, which live with it in
``django_lambda.package.rules``.
"""

from __future__ import annotations

import os
from pathlib import PurePath

from django.conf import settings
from django.core.checks import CheckMessage, Error

from django_lambda.checks.setting import setting_check
from django_lambda.conf import SETTING_NAME, is_str_list, lambda_settings
from django_lambda.package import rules
from django_lambda.validation import (
    MUST_BE_BOOL,
    MUST_BE_STR_LIST,
    SettingRule,
    is_bool,
    is_path,
    optional,
)

_MUST_BE_PATH = "{name} must be a path (a str or os.PathLike), not {type}: {value!r}."

PROJECT_DIR_PATH = SettingRule(
    "PROJECT_DIR",
    optional(is_path),
    "django_lambda.E116",
    _MUST_BE_PATH,
    "Give the directory that holds manage.py, such as BASE_DIR, or None (the default) for "
    "settings.BASE_DIR.",
)
BUILD_DIR_PATH = SettingRule(
    "BUILD_DIR",
    is_path,
    "django_lambda.E118",
    _MUST_BE_PATH,
    "Give the directory for the build's output, relative to the project directory or "
    "absolute, such as '.lambda' (the default).",
)


def _check_requirements_file() -> list[CheckMessage]:
    """E100: a REQUIREMENTS file the settings name must exist (the default one need not)."""
    requirements = lambda_settings.REQUIREMENTS
    user = lambda_settings.user_dict
    if not (isinstance(user, dict) and "REQUIREMENTS" in user and is_path(requirements)):
        return []
    path = lambda_settings.project_dir / requirements
    if path.is_file():
        return []
    return [
        Error(
            f"{SETTING_NAME}['REQUIREMENTS'] is {requirements!r}, but {path} does not exist.",
            hint=rules.REQUIREMENTS_HINT,
            id="django_lambda.E100",
        )
    ]


def _check_include_patterns() -> list[CheckMessage]:
    """E115: an INCLUDE pattern that can reach outside the project directory."""
    include = lambda_settings.INCLUDE
    errors: list[CheckMessage] = []
    for pattern in include if is_str_list(include) else []:
        if PurePath(pattern).is_absolute():
            reach = "is absolute"
        elif os.pardir in PurePath(pattern).parts:
            reach = "goes up with '..'"
        else:
            continue
        errors.append(
            Error(
                rules.include_pattern(
                    pattern, f"{reach}: it can match files outside the project directory."
                ),
                hint=rules.INCLUDE_HINT,
                id="django_lambda.E115",
            )
        )
    return errors


def _check_build_dir() -> list[CheckMessage]:
    """E119: BUILD_DIR cannot be, or hold, the project directory."""
    s = lambda_settings
    if PROJECT_DIR_PATH.wrong(s.PROJECT_DIR) or BUILD_DIR_PATH.wrong(s.BUILD_DIR):
        return []  # E116, E118
    problem = rules.build_dir_problem(s.project_dir, s.build_dir, s.BUILD_DIR)
    if problem is None:
        return []
    return [Error(problem, hint=rules.BUILD_DIR_HINT, id="django_lambda.E119")]


# What every function reads from its requirements, as a path a PRUNE pattern
# could match, and what it is.
_NEEDED_AT_RUN_TIME = {
    "package/module.py": "Python modules",
    "package/__init__.py": "Python packages",
    "package/_speedups.cpython-312-x86_64-linux-gnu.so": "compiled extension modules",
    "package-1.0.dist-info/METADATA": "distribution metadata (importlib.metadata reads it)",
}
_TRANSLATIONS = "package/locale/fr/LC_MESSAGES/django.mo"


def _check_prune_patterns() -> list[CheckMessage]:
    """E111, E112: a PRUNE pattern that would leave out what the function reads."""
    prune = lambda_settings.PRUNE
    errors: list[CheckMessage] = []
    for pattern in prune if is_str_list(prune) else []:
        needed = [
            what for path, what in _NEEDED_AT_RUN_TIME.items() if rules.excluded(path, [pattern])
        ]
        if needed:
            errors.append(
                Error(
                    f"{SETTING_NAME}['PRUNE'] has the pattern {pattern!r}, which would leave "
                    f"out {' and '.join(needed)}.",
                    hint="Every function needs those. Remove the pattern or narrow it: PRUNE "
                    "patterns match paths inside the installed requirements, such as '*.po' "
                    "or 'django/contrib/gis'.",
                    id="django_lambda.E111",
                )
            )
        elif settings.USE_I18N and rules.excluded(_TRANSLATIONS, [pattern]):
            errors.append(
                Error(
                    f"{SETTING_NAME}['PRUNE'] has the pattern {pattern!r}, which would leave "
                    "out compiled translations (.mo files) while USE_I18N is True.",
                    hint="Django reads .mo files to translate; without them every page falls "
                    "back to the original English. Remove the pattern (to leave out the "
                    "gettext sources, the pattern is '*.po'), or set USE_I18N = False if the "
                    "site is not translated.",
                    id="django_lambda.E112",
                )
            )
    return errors


def check_project_dir_exists() -> list[CheckMessage]:
    """E117: the directory the package is built from (on Lambda it is elsewhere: deploy only)."""
    configured = lambda_settings.PROJECT_DIR
    if configured:
        if not is_path(configured):
            return []  # E116
        source = f"{SETTING_NAME}['PROJECT_DIR']"
    elif getattr(settings, "BASE_DIR", None):
        source = "settings.BASE_DIR"
    else:
        return []  # the current directory
    problem = rules.project_dir_problem(lambda_settings.project_dir, source)
    if problem is None:
        return []
    return [Error(problem, hint=rules.PROJECT_DIR_HINT, id="django_lambda.E117")]


check_package_settings = setting_check(
    SettingRule(
        "REQUIREMENTS",
        optional(is_path),
        "django_lambda.E101",
        "{name} must be a path, not {value!r}.",
        "Give the requirements file relative to the project directory, such as "
        "'requirements.txt', or None to install nothing.",
    ),
    _check_requirements_file,
    SettingRule(
        "INCLUDE",
        is_str_list,
        "django_lambda.E102",
        MUST_BE_STR_LIST,
        "Write INCLUDE as a list, such as ['docs', '*.sqlite3'].",
    ),
    SettingRule(
        "EXCLUDE",
        is_str_list,
        "django_lambda.E103",
        MUST_BE_STR_LIST,
        "Write EXCLUDE as a list, such as ['docs', '*.sqlite3'].",
    ),
    SettingRule(
        "RUNTIME_PACKAGES",
        is_str_list,
        "django_lambda.E105",
        MUST_BE_STR_LIST,
        "Write RUNTIME_PACKAGES as a list of distribution names, such as ['boto3', 'botocore'].",
    ),
    _check_include_patterns,
    PROJECT_DIR_PATH,
    BUILD_DIR_PATH,
    _check_build_dir,
    SettingRule(
        "EXCLUDE_RUNTIME_PACKAGES",
        is_bool,
        "django_lambda.E104",
        MUST_BE_BOOL,
        "True (the default) leaves boto3 and the other packages the Lambda runtime provides "
        "out of the package; False ships your own versions.",
    ),
    rules.RUNTIME,
    rules.ARCHITECTURE,
    SettingRule(
        "S3_BUCKET",
        optional(lambda bucket: isinstance(bucket, str) and bucket != ""),
        "django_lambda.E108",
        "{name} must be a bucket name, not {value!r}.",
        "Give the name of an S3 bucket in the function's region, such as 'my-site-deploys', "
        "or None to upload packages directly (up to 50 MB zipped).",
    ),
    SettingRule(
        "PRUNE",
        is_str_list,
        "django_lambda.E109",
        MUST_BE_STR_LIST,
        "Write PRUNE as a list of patterns, such as [*DEFAULT_PRUNE, 'django/contrib/gis'] "
        "(DEFAULT_PRUNE is in django_lambda.conf), or [] to ship the requirements whole.",
    ),
    _check_prune_patterns,
    SettingRule(
        "PRUNE_STATIC",
        is_bool,
        "django_lambda.E110",
        MUST_BE_BOOL,
        "True (the default) leaves the apps' static/ directories out of the installed "
        "requirements when STORAGES['staticfiles'] is StaticStorage, which has put them on "
        "S3; False ships them.",
    ),
    SettingRule(
        "PRUNE_LOCALES",
        is_bool,
        "django_lambda.E114",
        MUST_BE_BOOL,
        "True (the default) leaves out of the installed requirements the translations into "
        "languages not in LANGUAGES (all of them when USE_I18N is False); False ships every "
        "translation.",
    ),
    SettingRule(
        "COMPILE",
        is_bool,
        "django_lambda.E113",
        MUST_BE_BOOL,
        "True (the default) ships each module's bytecode, so cold starts do not compile "
        "them, when the deploy runs on the runtime's Python version; False ships sources "
        "only.",
    ),
)
