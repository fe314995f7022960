"""Checks for the package settings (E100-E119) and for settings that break on Lambda (W100-W119)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management.base import CommandError
from django.db import models
from django.test import override_settings
from django.test.utils import isolate_apps

from django_lambda.checks import (
    DEPLOY_CHECKS,
    check_allowed_hosts,
    check_caches,
    check_databases,
    check_debug,
    check_deploy_settings,
    check_media_storage,
    check_package_settings,
    check_sessions,
)
from django_lambda.conf import DEFAULT_PRUNE
from tests.deploy_helpers import FakeBuild, deploy

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "site"}
S3_STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FS_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A configuration that runs well on Lambda: no deploy warning at all.
GOOD = {
    "DEBUG": False,
    "ALLOWED_HOSTS": [".lambda-url.us-east-1.on.aws"],
    "CACHES": REDIS,
    "SESSION_ENGINE": "django.contrib.sessions.backends.db",
    "DATABASES": {"default": {**POSTGRES, "CONN_MAX_AGE": 0}},
    "MEDIA_ROOT": "",
    "STORAGES": S3_STORAGES,
}


def package_errors(**setting: Any) -> list[tuple[Any, ...]]:
    with override_settings(DJANGO_LAMBDA=setting):
        return [(m.id, m.msg, m.hint) for m in check_package_settings()]


def only(messages: list[Any]) -> Any:
    [message] = messages
    return message


def test_good_package_settings_pass(tmp_path: Path) -> None:
    (tmp_path / "requirements-lambda.txt").write_text("Django\n")
    setting = {
        "PROJECT_DIR": str(tmp_path),
        "REQUIREMENTS": "requirements-lambda.txt",
        "INCLUDE": ["data/*.csv"],
        "EXCLUDE": ["docs"],
        "EXCLUDE_RUNTIME_PACKAGES": False,
        "RUNTIME_PACKAGES": ["boto3"],
        "RUNTIME": "python3.13",
        "ARCHITECTURE": "arm64",
        "S3_BUCKET": "deploys",
    }
    assert package_errors(**setting) == []


def test_defaults_pass_even_without_a_requirements_file(tmp_path: Path) -> None:
    assert package_errors(PROJECT_DIR=str(tmp_path)) == []


def test_e100_explicit_requirements_file_missing(tmp_path: Path) -> None:
    [(check_id, msg, hint)] = package_errors(PROJECT_DIR=str(tmp_path), REQUIREMENTS="req.txt")
    assert check_id == "django_lambda.E100"
    assert msg == (
        f"DJANGO_LAMBDA['REQUIREMENTS'] is 'req.txt', but {tmp_path / 'req.txt'} does not exist."
    )
    assert "set REQUIREMENTS to None" in hint


def test_e101_requirements_not_a_path() -> None:
    [(check_id, msg, _)] = package_errors(REQUIREMENTS=["a.txt", "b.txt"])
    assert check_id == "django_lambda.E101"
    assert msg == "DJANGO_LAMBDA['REQUIREMENTS'] must be a path, not ['a.txt', 'b.txt']."


def test_e102_include_not_a_list_of_str() -> None:
    [(check_id, msg, hint)] = package_errors(INCLUDE="data/*.csv")
    assert check_id == "django_lambda.E102"
    assert msg == "DJANGO_LAMBDA['INCLUDE'] must be a list of strings, not 'data/*.csv'."
    assert hint == "Write INCLUDE as a list, such as ['docs', '*.sqlite3']."


def test_e103_exclude_not_a_list_of_str() -> None:
    [(check_id, msg, _)] = package_errors(EXCLUDE=["docs", 3])
    assert check_id == "django_lambda.E103"
    assert msg == "DJANGO_LAMBDA['EXCLUDE'] must be a list of strings, not ['docs', 3]."


def test_e104_exclude_runtime_packages_not_bool() -> None:
    [(check_id, msg, _)] = package_errors(EXCLUDE_RUNTIME_PACKAGES="no")
    assert check_id == "django_lambda.E104"
    assert msg == "DJANGO_LAMBDA['EXCLUDE_RUNTIME_PACKAGES'] must be True or False, not 'no'."


def test_e105_runtime_packages_not_a_list_of_str() -> None:
    [(check_id, msg, hint)] = package_errors(RUNTIME_PACKAGES="boto3")
    assert check_id == "django_lambda.E105"
    assert msg == "DJANGO_LAMBDA['RUNTIME_PACKAGES'] must be a list of strings, not 'boto3'."
    assert "distribution names" in hint


@pytest.mark.parametrize("runtime", ["python3.9", "python3", "nodejs20.x", "3.12", 312])
def test_e106_runtime_not_a_supported_python(runtime: object) -> None:
    [(check_id, msg, hint)] = package_errors(RUNTIME=runtime)
    assert check_id == "django_lambda.E106"
    assert msg == (
        f"DJANGO_LAMBDA['RUNTIME'] is {runtime!r}, which is not a Lambda Python runtime "
        "this can build for."
    )
    assert "'python3.10' or later" in hint


def test_e107_architecture() -> None:
    [(check_id, msg, hint)] = package_errors(ARCHITECTURE="aarch64")
    assert (check_id, msg) == ("django_lambda.E107", "DJANGO_LAMBDA['ARCHITECTURE'] is 'aarch64'.")
    assert hint == "Use 'x86_64' or 'arm64' (Graviton)."


@pytest.mark.parametrize("bucket", ["", 42, ["deploys"]])
def test_e108_s3_bucket_not_a_name(bucket: object) -> None:
    [(check_id, msg, _)] = package_errors(S3_BUCKET=bucket)
    assert check_id == "django_lambda.E108"
    assert msg == f"DJANGO_LAMBDA['S3_BUCKET'] must be a bucket name, not {bucket!r}."


def test_default_prune_passes_with_translations_on() -> None:
    with override_settings(USE_I18N=True):
        assert package_errors(PRUNE=DEFAULT_PRUNE, PRUNE_STATIC=True) == []


@pytest.mark.parametrize("prune", ["*.po", ["*.po", None], {"*.po"}])
def test_e109_prune_not_a_list_of_str(prune: object) -> None:
    [(check_id, msg, hint)] = package_errors(PRUNE=prune)
    assert check_id == "django_lambda.E109"
    assert msg == f"DJANGO_LAMBDA['PRUNE'] must be a list of strings, not {prune!r}."
    assert "[*DEFAULT_PRUNE, 'django/contrib/gis']" in hint


@pytest.mark.parametrize("prune_static", ["no", 0, None])
def test_e110_prune_static_not_bool(prune_static: object) -> None:
    [(check_id, msg, _)] = package_errors(PRUNE_STATIC=prune_static)
    assert check_id == "django_lambda.E110"
    assert msg == f"DJANGO_LAMBDA['PRUNE_STATIC'] must be True or False, not {prune_static!r}."


@pytest.mark.parametrize("prune_locales", ["no", 1, None])
def test_e114_prune_locales_not_bool(prune_locales: object) -> None:
    [(check_id, msg, hint)] = package_errors(PRUNE_LOCALES=prune_locales)
    assert check_id == "django_lambda.E114"
    assert msg == f"DJANGO_LAMBDA['PRUNE_LOCALES'] must be True or False, not {prune_locales!r}."
    assert hint.startswith("True (the default) leaves out of the installed requirements")


@pytest.mark.parametrize("compile_", ["yes", 1, None])
def test_e113_compile_not_bool(compile_: object) -> None:
    [(check_id, msg, hint)] = package_errors(COMPILE=compile_)
    assert check_id == "django_lambda.E113"
    assert msg == f"DJANGO_LAMBDA['COMPILE'] must be True or False, not {compile_!r}."
    assert hint.startswith("True (the default) ships each module's bytecode")


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        ("*.py", "Python modules and Python packages"),
        ("__init__.py", "Python packages"),
        ("*.so", "compiled extension modules"),
        ("*.dist-info", "distribution metadata (importlib.metadata reads it)"),
        (
            "*",
            "Python modules and Python packages and compiled extension modules and "
            "distribution metadata (importlib.metadata reads it)",
        ),
    ],
)
def test_e111_prune_pattern_leaves_out_code_or_metadata(pattern: str, what: str) -> None:
    with override_settings(USE_I18N=False):
        [(check_id, msg, hint)] = package_errors(PRUNE=["*.po", pattern])
    assert check_id == "django_lambda.E111"
    assert (
        msg == f"DJANGO_LAMBDA['PRUNE'] has the pattern {pattern!r}, which would leave out {what}."
    )
    assert "Remove the pattern or narrow it" in hint


def test_e112_prune_leaves_out_translations_while_i18n_is_on() -> None:
    with override_settings(USE_I18N=True):
        [(check_id, msg, hint)] = package_errors(PRUNE=["*.mo"])
    assert check_id == "django_lambda.E112"
    assert msg == (
        "DJANGO_LAMBDA['PRUNE'] has the pattern '*.mo', which would leave out compiled "
        "translations (.mo files) while USE_I18N is True."
    )
    assert "set USE_I18N = False" in hint
    # A site that is not translated never reads them.
    with override_settings(USE_I18N=False):
        assert package_errors(PRUNE=["*.mo"]) == []


INCLUDE_HINT = (
    "Write INCLUDE patterns relative to the project directory, without '..', such as "
    "'data/*.csv', or copy the file into the project."
)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("/srv/shared/*.csv", "is absolute"),
        ("../shared/*.csv", "goes up with '..'"),
        ("data/../../shared.csv", "goes up with '..'"),
    ],
)
def test_e115_include_pattern_outside_the_project(pattern: str, why: str) -> None:
    [(check_id, msg, hint)] = package_errors(INCLUDE=["data/*.csv", pattern])
    assert check_id == "django_lambda.E115"
    assert msg == (
        f"DJANGO_LAMBDA['INCLUDE'] has the pattern {pattern!r}, which {why}: it can match "
        "files outside the project directory."
    )
    assert hint == INCLUDE_HINT


def test_include_patterns_with_dots_in_names_pass(tmp_path: Path) -> None:
    assert package_errors(PROJECT_DIR=str(tmp_path), INCLUDE=["..data/*", "a/...", ".env"]) == []


@pytest.mark.parametrize(
    ("key", "check_id", "value", "hint_start"),
    [
        ("PROJECT_DIR", "E116", 42, "Give the directory that holds manage.py"),
        ("PROJECT_DIR", "E116", b"/srv/site", "Give the directory that holds manage.py"),
        ("PROJECT_DIR", "E116", ["/srv/site"], "Give the directory that holds manage.py"),
        ("BUILD_DIR", "E118", None, "Give the directory for the build's output"),
        ("BUILD_DIR", "E118", 3, "Give the directory for the build's output"),
        ("BUILD_DIR", "E118", b".lambda", "Give the directory for the build's output"),
    ],
)
def test_e116_e118_project_and_build_dir_not_a_path(
    key: str, check_id: str, value: object, hint_start: str
) -> None:
    [(found_id, msg, hint)] = package_errors(**{key: value})
    assert found_id == f"django_lambda.{check_id}"
    assert msg == (
        f"DJANGO_LAMBDA[{key!r}] must be a path (a str or os.PathLike), not "
        f"{type(value).__name__}: {value!r}."
    )
    assert hint.startswith(hint_start)


def test_project_and_build_dir_as_paths_pass(tmp_path: Path) -> None:
    assert package_errors(PROJECT_DIR=tmp_path, BUILD_DIR=Path("out") / "lambda") == []
    assert package_errors(PROJECT_DIR=tmp_path, BUILD_DIR=str(tmp_path.parent / "builds")) == []
    assert package_errors(PROJECT_DIR=None, BUILD_DIR=".lambda") == []


@pytest.mark.parametrize(
    ("build_dir", "where", "why"),
    [
        ("", "is", "the package would take in the build's output"),
        (".", "is", "the package would take in the build's output"),
        ("site/..", "is", "the package would take in the build's output"),
        ("..", "holds", "the build deletes stale files there, and could delete the project's"),
    ],
)
def test_e119_build_dir_is_or_holds_the_project(
    tmp_path: Path, build_dir: str, where: str, why: str
) -> None:
    [(check_id, msg, hint)] = package_errors(PROJECT_DIR=str(tmp_path), BUILD_DIR=build_dir)
    assert check_id == "django_lambda.E119"
    assert msg == (
        f"DJANGO_LAMBDA['BUILD_DIR'] is {build_dir!r}, which {where} the project directory "
        f"{tmp_path.resolve()}: {why}."
    )
    assert hint == (
        "Give BUILD_DIR a directory of its own, inside the project (the default, '.lambda', "
        "which git should ignore) or outside it."
    )


def test_e119_absolute_build_dir_that_is_the_project(tmp_path: Path) -> None:
    [(check_id, msg, _)] = package_errors(PROJECT_DIR=str(tmp_path), BUILD_DIR=str(tmp_path))
    assert check_id == "django_lambda.E119"
    assert msg.startswith(f"DJANGO_LAMBDA['BUILD_DIR'] is {str(tmp_path)!r}, which is the project")


def deploy_errors(**setting: Any) -> list[tuple[Any, ...]]:
    with override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site", **setting}):
        return [(m.id, m.msg, m.hint) for m in check_deploy_settings()]


E117_HINT = (
    "Set DJANGO_LAMBDA['PROJECT_DIR'] (or settings.BASE_DIR) to the directory that holds "
    "manage.py: the package is built from it."
)


def test_e117_project_dir_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "site"
    [(check_id, msg, hint)] = deploy_errors(PROJECT_DIR=str(missing))
    assert check_id == "django_lambda.E117"
    assert msg == (
        f"The project directory {missing} (DJANGO_LAMBDA['PROJECT_DIR']) does not exist."
    )
    assert hint == E117_HINT


def test_e117_project_dir_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "manage.py").write_text("")
    [(check_id, msg, _)] = deploy_errors(PROJECT_DIR=tmp_path / "manage.py")
    assert check_id == "django_lambda.E117"
    assert msg == (
        f"The project directory {tmp_path / 'manage.py'} (DJANGO_LAMBDA['PROJECT_DIR']) is not "
        "a directory."
    )


def test_e117_base_dir_does_not_exist(tmp_path: Path) -> None:
    with override_settings(BASE_DIR=tmp_path / "gone"):
        [(check_id, msg, hint)] = deploy_errors()
    assert check_id == "django_lambda.E117"
    assert msg == f"The project directory {tmp_path / 'gone'} (settings.BASE_DIR) does not exist."
    assert hint == E117_HINT


def test_e117_is_checked_only_for_deploying(tmp_path: Path) -> None:
    # On Lambda the project is in /var/task, not where PROJECT_DIR says: `check` stays clean.
    setting = {"FUNCTION_NAME": "site", "PROJECT_DIR": str(tmp_path / "site")}
    with override_settings(DJANGO_LAMBDA=setting):
        assert package_errors(**setting) == []
        assert [m.id for m in run_checks() if str(m.id).startswith("django_lambda.E")] == []
    assert deploy_errors(PROJECT_DIR=str(tmp_path)) == []


def test_e117_stops_lambda_deploy_before_building(
    tmp_path: Path, fake_build: FakeBuild, role_arn: str
) -> None:
    missing = tmp_path / "site"
    with (
        override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site", "PROJECT_DIR": str(missing)}),
        pytest.raises(CommandError) as raised,
    ):
        deploy("--skip-static")
    assert f"django_lambda.E117: The project directory {missing} (" in str(raised.value)
    assert fake_build.calls == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_good_configuration_has_no_deploy_warnings() -> None:
    with override_settings(**GOOD):
        assert [message for check in DEPLOY_CHECKS for message in check()] == []


def test_deploy_warnings_run_only_with_deploy() -> None:
    # The test settings: LocMemCache by default, DEBUG switched on here.
    with override_settings(DEBUG=True, ALLOWED_HOSTS=["*"], STORAGES=S3_STORAGES):
        deploy = run_checks(include_deployment_checks=True)
        plain = run_checks()
    assert sorted(str(m.id) for m in deploy if str(m.id).startswith("django_lambda")) == [
        "django_lambda.W100",
        "django_lambda.W107",
    ]
    assert [m.id for m in plain if str(m.id).startswith("django_lambda")] == []


def test_w100_local_memory_cache() -> None:
    with override_settings(CACHES={**REDIS, "local": LOCMEM["default"]}):
        warning = only(check_caches())
    assert warning.id == "django_lambda.W100"
    assert warning.msg.startswith(
        "The cache 'local' is local-memory (django.core.cache.backends.locmem.LocMemCache)"
    )
    assert "ElastiCache" in warning.hint
    assert "silence django_lambda.W100" in warning.hint


def test_w101_file_based_cache() -> None:
    backend = "django.core.cache.backends.filebased.FileBasedCache"
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": "/tmp/c"}}):
        warning = only(check_caches())
    assert warning.id == "django_lambda.W101"
    assert warning.msg.startswith(f"The cache 'default' is file-based ({backend})")
    assert "DatabaseCache" in warning.hint


def test_w102_file_sessions() -> None:
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.file"):
        warning = only(check_sessions())
    assert warning.id == "django_lambda.W102"
    assert "django.contrib.sessions.backends.db" in warning.hint


def test_w103_sessions_in_a_local_cache() -> None:
    engine = "django.contrib.sessions.backends.cache"
    with override_settings(SESSION_ENGINE=engine, CACHES=LOCMEM):
        warning = only(check_sessions())
    assert warning.id == "django_lambda.W103"
    assert "'default', which is local-memory" in warning.msg
    with override_settings(SESSION_ENGINE=engine, CACHES=REDIS):
        assert check_sessions() == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_w104_sqlite_outside_tmp(tmp_path: Path) -> None:
    name = "/var/task/db.sqlite3"
    databases = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": name},
        "scratch": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/scratch.sqlite3"},
        "memory": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    }
    with override_settings(DATABASES=databases):
        warning = only(check_databases())
    assert warning.id == "django_lambda.W104"
    assert warning.msg.startswith(f"The database 'default' is SQLite at {name}:")
    assert "Amazon RDS" in warning.hint


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_w104_sqlite_in_a_project_under_tmp(tmp_path: Path) -> None:
    # A project checked out under this machine's /tmp ships to /var/task on
    # Lambda: its database is read-only there, whatever its path says here.
    project = Path("/tmp") / tmp_path.name
    databases = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(project / "db.sqlite3")},
        "scratch": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/scratch.sqlite3"},
    }
    with override_settings(DATABASES=databases, BASE_DIR=project):
        warning = only(check_databases())
    assert warning.id == "django_lambda.W104"
    assert warning.msg.startswith(f"The database 'default' is SQLite at {project}/db.sqlite3:")


def test_w105_media_on_the_local_file_system() -> None:
    with override_settings(STORAGES=FS_STORAGES, MEDIA_ROOT="/srv/media"):
        warning = only(check_media_storage())
    assert warning.id == "django_lambda.W105"
    assert "and MEDIA_ROOT is set." in warning.msg
    assert "storages.backends.s3.S3Storage" in warning.hint
    with override_settings(STORAGES=S3_STORAGES, MEDIA_ROOT="/srv/media"):
        assert check_media_storage() == []
    with override_settings(STORAGES=FS_STORAGES, MEDIA_ROOT=""):
        assert check_media_storage() == []


@isolate_apps("tests")
def test_w105_names_file_fields_on_the_local_file_system() -> None:
    class Document(models.Model):
        scan = models.FileField()

        class Meta:
            app_label = "tests"

        def __str__(self) -> str:
            return self.scan.name or ""

    configs = [Document._meta.apps.get_app_config("tests")]
    with override_settings(STORAGES=FS_STORAGES, MEDIA_ROOT=""):
        warning = only(check_media_storage(app_configs=configs))
    assert warning.id == "django_lambda.W105"
    assert "these fields upload there: tests.Document.scan." in warning.msg


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize("max_age", [60, None])
def test_w106_persistent_connections(max_age: int | None) -> None:
    with override_settings(DATABASES={"default": {**POSTGRES, "CONN_MAX_AGE": max_age}}):
        warning = only(check_databases())
    assert warning.id == "django_lambda.W106"
    assert f"(CONN_MAX_AGE = {max_age!r})" in warning.msg
    assert "RDS Proxy" in warning.hint
    assert "silence django_lambda.W106" in warning.hint


def test_w107_debug() -> None:
    with override_settings(DEBUG=True):
        warning = only(check_debug())
    assert warning.id == "django_lambda.W107"
    assert "DEBUG = False" in warning.hint


@pytest.mark.parametrize(
    ("allowed", "lambda_setting", "warns"),
    [
        (["localhost", "127.0.0.1"], {}, True),
        ([], {}, True),
        (["www.example.com"], {}, True),
        (["*"], {}, False),
        ([".on.aws"], {}, False),
        ([".lambda-url.eu-west-3.on.aws"], {"REGION": "eu-west-3"}, False),
        ([".lambda-url.us-east-1.on.aws"], {"REGION": "eu-west-3"}, True),
        (["localhost"], {"HTTP": "http_api"}, True),
        (["www.example.com"], {"HTTP": "http_api"}, False),
        ([".execute-api.us-east-1.amazonaws.com"], {"HTTP": "http_api"}, False),
        (["www.example.com"], {"HTTP": None}, False),
        (["localhost", ".localhost"], {"HTTP": None}, True),
    ],
)
def test_w108_allowed_hosts_that_cannot_match_the_function(
    allowed: list[str], lambda_setting: dict[str, Any], warns: bool
) -> None:
    with override_settings(ALLOWED_HOSTS=allowed, DEBUG=False, DJANGO_LAMBDA=lambda_setting):
        warnings = check_allowed_hosts()
    assert [w.id for w in warnings] == (["django_lambda.W108"] if warns else [])


def test_w108_message_names_the_host_to_add() -> None:
    with override_settings(ALLOWED_HOSTS=["localhost"], DJANGO_LAMBDA={"REGION": "eu-west-3"}):
        warning = only(check_allowed_hosts())
    assert warning.msg == (
        "ALLOWED_HOSTS ['localhost'] cannot match the function's function URL host "
        "(*.lambda-url.eu-west-3.on.aws), so Django would answer every request with "
        "400 Bad Request. (Judged with this process's environment, not the function's; "
        "lambda_deploy judges again with DJANGO_LAMBDA['ENVIRONMENT'] and the variables "
        "Lambda sets.)"
    )
    assert warning.hint.startswith("Add '.lambda-url.eu-west-3.on.aws' to ALLOWED_HOSTS")


def test_w108_takes_the_region_boto3_would_use(monkeypatch: pytest.MonkeyPatch) -> None:
    # boto3 reads AWS_DEFAULT_REGION; AWS_REGION is only Lambda's own variable.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    with override_settings(ALLOWED_HOSTS=[".lambda-url.eu-west-3.on.aws"], DJANGO_LAMBDA={}):
        assert check_allowed_hosts() == []
