"""System checks E020-E023: StaticStorage's manifest directory and options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_lambda.checks import check_static_storage


def static_storage(manifest_dir: Path | str, **options: Any) -> override_settings:
    return override_settings(
        DJANGO_LAMBDA={"STATIC_MANIFEST_DIR": str(manifest_dir)},
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {
                "BACKEND": "django_lambda.storage.StaticStorage",
                "OPTIONS": options,
            },
        },
    )


def ids(manifest_dir: Path | str, **options: Any) -> list[str]:
    with static_storage(manifest_dir, **options):
        return [str(message.id) for message in check_static_storage()]


def test_valid_configuration_passes(tmp_path: Path) -> None:
    assert ids(tmp_path, bucket_name="b-1", location="static", manifest_strict=False) == []


def test_other_static_storages_are_not_checked(tmp_path: Path) -> None:
    with override_settings(DJANGO_LAMBDA={"STATIC_MANIFEST_DIR": str(tmp_path / "missing")}):
        assert check_static_storage() == []


def test_e020_manifest_dir_missing(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with static_storage(missing, bucket_name="b-1"):
        [error] = check_static_storage()
    assert error.id == "django_lambda.E020"
    assert str(missing) in error.msg
    assert "STATIC_MANIFEST_DIR" in str(error.hint)


def test_e021_manifest_dir_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod cannot make a directory read-only for root (CI runs as root), so
    # the file system's answer is replaced for this one directory.
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode: (
            mode != os.W_OK and real_access(path, mode)
            if Path(path) == tmp_path
            else real_access(path, mode)
        ),
    )
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    with static_storage(tmp_path, bucket_name="b-1"):
        [error] = check_static_storage()
        # The deployed package is read-only by design: not an error there.
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "site")
        assert check_static_storage() == []
    assert error.id == "django_lambda.E021"
    assert str(tmp_path) in error.msg


def test_e022_no_bucket(tmp_path: Path) -> None:
    with static_storage(tmp_path, location="static"):
        [error] = check_static_storage()
    assert error.id == "django_lambda.E022"
    assert "bucket_name" in str(error.hint)
    with override_settings(AWS_STORAGE_BUCKET_NAME="from-settings"):
        assert ids(tmp_path) == []


def test_e023_unknown_option_names_the_closest(tmp_path: Path) -> None:
    with static_storage(tmp_path, bucket_name="b-1", custom_domian="cdn.example.com"):
        [error] = check_static_storage()
    assert error.id == "django_lambda.E023"
    assert "'custom_domian'" in error.msg
    assert error.hint == "Did you mean 'custom_domain'?"


def test_collectstatic_refuses_to_run_without_a_bucket(tmp_path: Path) -> None:
    with static_storage(tmp_path), pytest.raises(SystemCheckError, match="E022"):
        call_command("collectstatic", interactive=False, verbosity=0, skip_checks=False)
