"""build_package: requirements for the Lambda platform, project files, deterministic zip.

pip never reaches an index here: the wheels are made by hand in a temp dir and
pip is pointed at them with its own PIP_NO_INDEX / PIP_FIND_LINKS variables.
"""

from __future__ import annotations

import base64
import gettext
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import stat
import struct
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
import pytest
from django.conf import global_settings, settings
from django.test import override_settings
from django.utils import translation

from django_lambda import package
from django_lambda.conf import deploy_config
from django_lambda.package import BuildError, BuildResult, remove_distributions


def make_wheel(
    directory: Path,
    name: str,
    *,
    tag: str = "py3-none-any",
    files: dict[str, str | bytes],
    requires: tuple[str, ...] = (),
    version: str = "1.0",
) -> Path:
    """Write a minimal valid wheel (METADATA, WHEEL, RECORD) holding ``files``."""
    dist = name.replace("-", "_")
    dist_info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    wheel = f"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: {tag.endswith('any')}\n"
    wheel += f"Tag: {tag}\n"
    contents: dict[str, str | bytes] = {
        **files,
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": wheel,
    }
    record = []
    for path, text in contents.items():
        data = text.encode() if isinstance(text, str) else text
        digest = hashlib.sha256(data).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{path},sha256={encoded},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    contents[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    wheel_path = directory / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel_path, "w") as archive:
        for member, text in contents.items():
            archive.writestr(member, text)
    return wheel_path


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("wheels")
    for arch in ("x86_64", "aarch64"):
        make_wheel(
            directory,
            "natpkg",
            tag=f"cp312-cp312-manylinux2014_{arch}",
            files={"natpkg/__init__.py": f"ARCH = {arch!r}\n"},
        )
    make_wheel(
        directory,
        "purepkg",
        files={"purepkg/__init__.py": "import six\n", "purepkg/util.py": "X = 1\n"},
        requires=("six", "python-dateutil", "boto3"),
    )
    make_wheel(directory, "six", files={"six.py": "# six\n"})
    make_wheel(
        directory,
        "python-dateutil",
        files={"dateutil/__init__.py": "", "dateutil/tz/__init__.py": "# tz\n"},
    )
    make_wheel(
        directory,
        "boto3",
        files={"boto3/__init__.py": "# boto3\n", "boto3-1.0.data/scripts/boto3-tool": "#!python\n"},
    )
    return directory


@pytest.fixture(autouse=True)
def offline_pip(monkeypatch: pytest.MonkeyPatch, wheels: Path) -> None:
    """pip sees only the hand-made wheels: no index, no config files, no constraints."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in (
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_CONSTRAINT",
        "PIP_REQUIRE_VIRTUALENV",
    ):
        monkeypatch.delenv(name, raising=False)


def build_package(**options: Any) -> BuildResult:
    """``package.build_package`` for the configuration of the current settings."""
    return package.build_package(deploy_config(), **options)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


PROJECT_FILES = {
    "manage.py": "# manage\n",
    "requirements.txt": "purepkg\nnatpkg\n",
    "staticfiles.json": '{"paths": {}}\n',
    "mysite/__init__.py": "",
    "mysite/settings.py": "DEBUG = False\n",
    "shop/__init__.py": "",
    "shop/models.py": "# models\n",
    "shop/testing.py": "# app code that only looks like a test\n",
    "shop/contest.py": "# app code\n",
    "shop/tests.py": "# tests\n",
    "shop/test_views.py": "# tests\n",
    "shop/tests/__init__.py": "",
    "shop/tests/test_models.py": "# tests\n",
    "shop/__pycache__/models.cpython-312.pyc": "x",
    "conftest.py": "# pytest\n",
    "tests/test_site.py": "# tests\n",
    ".git/config": "[core]\n",
    ".env": "SECRET=1\n",
    ".env.production": "SECRET=2\n",
    "db.sqlite3": "SQLite format 3",
    ".venv/lib/site.py": "# venv\n",
    "venv/lib/site.py": "# venv\n",
    "myenv/pyvenv.cfg": "home = /usr/bin\n",
    "myenv/lib/site.py": "# venv\n",
    "node_modules/left/index.js": "// js\n",
    "mysite.egg-info/PKG-INFO": "Name: mysite\n",
    ".pytest_cache/v": "x",
    ".mypy_cache/v": "x",
    ".ruff_cache/v": "x",
    ".lambda/old/leftover.py": "# old build\n",
    "docs/index.md": "# docs\n",
    "data/big.csv": "a,b\n",
    "data/keep.csv": "a,b\n",
}

# What the package takes from PROJECT_FILES with EXCLUDE=["docs", "*.csv"].
PROJECT_PACKAGED = {
    "manage.py",
    "requirements.txt",
    "staticfiles.json",
    "mysite/__init__.py",
    "mysite/settings.py",
    "shop/__init__.py",
    "shop/models.py",
    "shop/testing.py",
    "shop/contest.py",
}


# The staticfiles storage of a django-lambda site: its static files are on S3.
STATIC_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django_lambda.storage.StaticStorage"},
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, PROJECT_FILES)
    return root


@pytest.fixture
def lambda_setting(project: Path) -> Iterator[Any]:
    """Build settings for ``project``; call it to override keys."""
    active: list[Any] = []

    def configure(**overrides: Any) -> None:
        if active:
            active.pop().disable()
        # No bytecode unless a test asks: whether the build compiles depends
        # on this interpreter's version (see the bytecode tests at the end).
        value = {"PROJECT_DIR": str(project), "RUNTIME": "python3.12", "COMPILE": False}
        value.update(overrides)
        override = override_settings(DJANGO_LAMBDA=value)
        override.enable()
        active.append(override)

    configure()
    yield configure
    if active:
        active.pop().disable()


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def own_source_names() -> set[str]:
    import django_lambda

    source = Path(django_lambda.__file__).parent
    return {
        "django_lambda/" + path.relative_to(source).as_posix()
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.slow
def test_installs_requirements_for_the_platform_without_runtime_packages(
    project: Path, lambda_setting: Any
) -> None:
    lambda_setting(ARCHITECTURE="arm64", EXCLUDE=["docs", "*.csv"])
    messages: list[str] = []

    result = build_package(say=messages.append)

    names = zip_names(result.zip_path)
    assert result.zip_path == project / ".lambda" / "package.zip"
    assert {name.split("/")[0] for name in names} == {
        "django_lambda",
        "manage.py",
        "mysite",
        "natpkg",
        "natpkg-1.0.dist-info",
        "purepkg",
        "purepkg-1.0.dist-info",
        "requirements.txt",
        "shop",
        "staticfiles.json",
    }
    with zipfile.ZipFile(result.zip_path) as archive:
        assert archive.read("natpkg/__init__.py") == b"ARCH = 'aarch64'\n"
    # The staging directory holds exactly what was zipped.
    staging = project / ".lambda" / "build"
    staged = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()}
    assert staged == set(names)
    assert messages[:3] == [
        "Installing requirements.txt for manylinux_2_34_aarch64 or older (glibc 2.34), "
        "Python 3.12.",
        "Successfully installed boto3-1.0 natpkg-1.0 purepkg-1.0 python-dateutil-1.0 six-1.0",
        "Left out (the Lambda runtime provides them): boto3, python-dateutil, six. Set "
        "DJANGO_LAMBDA['EXCLUDE_RUNTIME_PACKAGES'] = False to ship your own.",
    ]


@pytest.mark.slow
def test_runtime_packages_stay_when_told(lambda_setting: Any) -> None:
    # PRUNE off as well, so the scripts pip put in bin/ stay too.
    lambda_setting(EXCLUDE_RUNTIME_PACKAGES=False, PRUNE=[])

    result = build_package()

    names = set(zip_names(result.zip_path))
    assert {
        "six.py",
        "dateutil/__init__.py",
        "dateutil/tz/__init__.py",
        "boto3/__init__.py",
        "bin/boto3-tool",
    } <= names
    with zipfile.ZipFile(result.zip_path) as archive:
        assert archive.read("natpkg/__init__.py") == b"ARCH = 'x86_64'\n"


def test_missing_wheel_names_the_package_and_the_fix(lambda_setting: Any) -> None:
    lambda_setting(RUNTIME="python3.11")  # natpkg has cp312 wheels only

    with pytest.raises(BuildError) as raised:
        build_package()

    message = str(raised.value)
    assert message.startswith(
        "No wheel of 'natpkg' (from requirements.txt) for Lambda's platform "
        "manylinux_2_26_x86_64 or older, CPython 3.11."
    )
    assert (
        "Fix: pin a version of natpkg that publishes a wheel for manylinux_2_26_x86_64 or older "
        "(or a pure-Python py3-none-any one) for Python 3.11" in message
    )
    assert "PIP_FIND_LINKS=<dir>" in message


def test_other_pip_failures_carry_pips_output(project: Path, lambda_setting: Any) -> None:
    (project / "requirements.txt").write_text("-r nowhere.txt\n")

    with pytest.raises(
        BuildError,
        match=r"(?s)pip could not install .*requirements.txt .*No such file.*nowhere.txt",
    ):
        build_package()


def test_project_copy_leaves_out_tests_caches_secrets_venvs_and_build_output(
    project: Path, lambda_setting: Any
) -> None:
    lambda_setting(REQUIREMENTS=None, EXCLUDE=["docs", "*.csv"])

    names = set(zip_names(build_package().zip_path))

    assert names == PROJECT_PACKAGED | own_source_names()


def test_include_forces_files_back_in(project: Path, lambda_setting: Any) -> None:
    lambda_setting(
        REQUIREMENTS=None,
        EXCLUDE=["docs", "*.csv"],
        INCLUDE=["data/keep.csv", "tests", "shop/tests/*.py"],
    )

    names = set(zip_names(build_package().zip_path))

    assert names == PROJECT_PACKAGED | own_source_names() | {
        "data/keep.csv",
        "tests/test_site.py",
        "shop/tests/__init__.py",
        "shop/tests/test_models.py",
    }


def test_static_manifest_is_always_packaged(project: Path, lambda_setting: Any) -> None:
    write(project, {"static_meta/staticfiles.json": "{}"})
    lambda_setting(
        REQUIREMENTS=None,
        EXCLUDE=["static_meta"],
        STATIC_MANIFEST_DIR=str(project / "static_meta"),
    )

    names = set(zip_names(build_package().zip_path))

    assert "static_meta/staticfiles.json" in names


def test_django_lambda_is_copied_in_when_missing(lambda_setting: Any) -> None:
    lambda_setting(REQUIREMENTS=None)
    messages: list[str] = []

    names = set(zip_names(build_package(say=messages.append).zip_path))

    assert own_source_names() <= names
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert "Adding django_lambda from this installation" in " ".join(messages)


def test_projects_own_django_lambda_is_used(project: Path, lambda_setting: Any) -> None:
    write(project, {"django_lambda/__init__.py": "VENDORED = True\n"})
    lambda_setting(REQUIREMENTS=None)

    result = build_package()

    names = zip_names(result.zip_path)
    assert [name for name in names if name.startswith("django_lambda/")] == [
        "django_lambda/__init__.py"
    ]
    with zipfile.ZipFile(result.zip_path) as archive:
        assert archive.read("django_lambda/__init__.py") == b"VENDORED = True\n"


@pytest.mark.slow
def test_two_builds_give_byte_identical_zips(
    project: Path, lambda_setting: Any, tmp_path: Path
) -> None:
    first = build_package(output=tmp_path / "first.zip")
    # Touch every project file: modification times must not reach the zip.
    for path in project.rglob("*"):
        if path.is_file():
            os.utime(path, (1_900_000_000, 1_900_000_000))
    second = build_package(output=tmp_path / "second.zip", reinstall=True)

    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    assert first.sha256 == second.sha256
    digest = hashlib.sha256(first.zip_path.read_bytes()).digest()
    assert first.sha256 == base64.b64encode(digest).decode()
    assert first.zipped_size == first.zip_path.stat().st_size


def test_zip_entries_are_sorted_with_fixed_time_and_modes(
    project: Path, lambda_setting: Any
) -> None:
    write(project, {"bin/run.sh": "#!/bin/sh\n"})
    (project / "bin" / "run.sh").chmod(0o775)
    (project / "manage.py").chmod(0o600)
    lambda_setting(REQUIREMENTS=None)

    with zipfile.ZipFile(build_package().zip_path) as archive:
        infos = archive.infolist()

    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.compress_type for info in infos} == {zipfile.ZIP_DEFLATED}
    modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in infos}
    assert modes["bin/run.sh"] == 0o755
    assert {mode for name, mode in modes.items() if name != "bin/run.sh"} == {0o644}


@pytest.mark.slow
def test_warm_rebuild_reuses_the_installed_requirements(
    project: Path, lambda_setting: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = build_package()
    assert not cold.reused_requirements

    def no_pip(args: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
        raise AssertionError(f"pip ran again: {args}")

    with monkeypatch.context() as patch:
        patch.setattr("django_lambda.package.requirements.run_pip", no_pip)
        messages: list[str] = []
        warm = build_package(say=messages.append)

    assert warm.reused_requirements
    assert warm.sha256 == cold.sha256
    assert f"Requirements unchanged: reusing {project / '.lambda' / 'requirements'}." in messages

    calls: list[list[str]] = []
    real_run_pip = package.run_pip

    def counting_pip(args: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return real_run_pip(args, cwd=cwd)

    monkeypatch.setattr("django_lambda.package.requirements.run_pip", counting_pip)
    (project / "requirements.txt").write_text("purepkg\n")
    changed = build_package()
    assert len(calls) == 1
    assert not changed.reused_requirements
    assert "natpkg/__init__.py" not in zip_names(changed.zip_path)

    lambda_setting(ARCHITECTURE="arm64")
    build_package()
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("architecture", "runtime", "platforms"),
    [
        # python3.12 and later: Amazon Linux 2023, glibc 2.34.
        (
            "arm64",
            "python3.13",
            [f"manylinux_2_{minor}_aarch64" for minor in range(34, 16, -1)]
            + ["manylinux2014_aarch64"],
        ),
        # python3.10 and 3.11: Amazon Linux 2, glibc 2.26.
        (
            "x86_64",
            "python3.11",
            [f"manylinux_2_{minor}_x86_64" for minor in range(26, 16, -1)]
            + ["manylinux2014_x86_64"],
        ),
    ],
)
def test_pip_gets_the_target_platform_and_python(
    project: Path,
    lambda_setting: Any,
    monkeypatch: pytest.MonkeyPatch,
    architecture: str,
    runtime: str,
    platforms: list[str],
) -> None:
    lambda_setting(ARCHITECTURE=architecture, RUNTIME=runtime)
    calls: list[list[str]] = []

    def fake_pip(args: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return subprocess.CompletedProcess(args, 1, "", "ERROR: stop here")

    monkeypatch.setattr("django_lambda.package.requirements.run_pip", fake_pip)
    with pytest.raises(BuildError, match="exit code 1"):
        build_package()

    [args] = calls
    target = str(project / ".lambda" / "requirements.tmp")
    assert args == [
        "install",
        "--target",
        target,
        *(argument for platform in platforms for argument in ("--platform", platform)),
        "--python-version",
        runtime.removeprefix("python"),
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        "-r",
        str(project / "requirements.txt"),
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("runtime", "installs"), [("python3.12", True), ("python3.11", False)])
def test_wheels_for_the_runtimes_glibc_install(
    project: Path,
    lambda_setting: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    runtime: str,
    installs: bool,
) -> None:
    # Only manylinux_2_28 wheels, as current Pillow publishes: they load on
    # Amazon Linux 2023 (glibc 2.34), not on Amazon Linux 2 (glibc 2.26).
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    make_wheel(
        tmp_path,
        "newpkg",
        tag="py3-none-manylinux_2_28_x86_64",
        files={"newpkg/__init__.py": "GLIBC = '2.28'\n"},
    )
    (project / "requirements.txt").write_text("newpkg\n")
    lambda_setting(RUNTIME=runtime)

    if installs:
        assert "newpkg/__init__.py" in zip_names(build_package().zip_path)
    else:
        with pytest.raises(BuildError, match=r"No wheel of 'newpkg' .* manylinux_2_26_x86_64"):
            build_package()


def test_over_the_unzipped_limit_is_refused_with_the_largest_packages(
    project: Path, lambda_setting: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"bulky/data.bin": "x" * 3_000_000})
    lambda_setting(REQUIREMENTS=None)
    monkeypatch.setattr("django_lambda.package.build.UNZIPPED_LIMIT", 2_000_000)

    with pytest.raises(BuildError) as raised:
        build_package()

    message = str(raised.value)
    assert "Lambda refuses more than 1.9 MB" in message
    assert "Largest: bulky 2.9 MB, django_lambda " in message
    assert not (project / ".lambda" / "package.zip").exists()


def test_sizes_and_largest_are_reported(project: Path, lambda_setting: Any) -> None:
    write(project, {"bulky/data.bin": "x" * 3_000_000, "bulky/more.bin": "y" * 1000})
    lambda_setting(REQUIREMENTS=None)

    result = build_package()

    with zipfile.ZipFile(result.zip_path) as archive:
        sizes = {info.filename: info.file_size for info in archive.infolist()}
    assert result.unzipped_size == sum(sizes.values())
    assert result.largest[0] == ("bulky", 3_001_000)
    assert len(result.largest) == 5
    assert [size for _, size in result.largest] == sorted(
        (size for _, size in result.largest), reverse=True
    )


def test_explicit_requirements_file_must_exist(lambda_setting: Any) -> None:
    lambda_setting(REQUIREMENTS="requirements/prod.txt")

    with pytest.raises(
        BuildError,
        match=r"requirements/prod.txt \(DJANGO_LAMBDA\['REQUIREMENTS'\]\) does not exist",
    ):
        build_package()


def test_default_requirements_file_is_optional(
    project: Path, lambda_setting: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "requirements.txt").unlink()
    monkeypatch.setattr("django_lambda.package.requirements.run_pip", None)
    messages: list[str] = []

    build_package(say=messages.append)

    assert f"No requirements.txt in {project}: installing no requirements." in messages


@pytest.mark.slow
def test_a_requirements_file_a_level_up_is_named_and_can_be_used(
    project: Path, lambda_setting: Any
) -> None:
    # The talk's layout: manage.py in a subdirectory, requirements.txt beside it.
    (project / "requirements.txt").rename(project.parent / "requirements.txt")
    messages: list[str] = []

    result = build_package(say=messages.append)

    assert result.requirements is None
    assert (
        f"No requirements.txt in {project}: installing no requirements. There is one a level "
        f"up, {project.parent / 'requirements.txt'}: set DJANGO_LAMBDA['REQUIREMENTS'] = "
        "'../requirements.txt' to install it."
    ) in messages
    lambda_setting(REQUIREMENTS="../requirements.txt")

    result = build_package()

    assert result.requirements == project / ".." / "requirements.txt"
    assert "purepkg/__init__.py" in zip_names(result.zip_path)


def test_bad_runtime_is_a_build_error(lambda_setting: Any) -> None:
    lambda_setting(RUNTIME="python3.9")

    with pytest.raises(BuildError, match=r"'python3.9', which is not a Lambda Python runtime"):
        build_package()


def test_remove_distributions_matches_import_names(tmp_path: Path, wheels: Path) -> None:
    site = tmp_path / "site"
    for wheel in ("python_dateutil-1.0-py3-none-any.whl", "six-1.0-py3-none-any.whl"):
        with zipfile.ZipFile(wheels / wheel) as archive:
            archive.extractall(site)

    removed = remove_distributions(site, ["dateutil"])

    assert removed == ["python-dateutil"]
    left = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    assert left == [
        "six-1.0.dist-info",
        "six-1.0.dist-info/METADATA",
        "six-1.0.dist-info/RECORD",
        "six-1.0.dist-info/WHEEL",
        "six.py",
    ]


def test_staging_follows_the_project_between_builds(project: Path, lambda_setting: Any) -> None:
    lambda_setting(REQUIREMENTS=None)
    build_package()
    (project / "shop" / "models.py").write_text("# models, changed\n")
    (project / "mysite" / "settings.py").unlink()
    (project / "mysite" / "__init__.py").unlink()
    (project / "bin" / "run.sh").parent.mkdir()
    (project / "bin" / "run.sh").write_text("#!/bin/sh\n")
    (project / "bin" / "run.sh").chmod(0o755)

    result = build_package()

    staging = project / ".lambda" / "build"
    staged = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()}
    assert staged == set(zip_names(result.zip_path))
    assert not (staging / "mysite").exists()
    assert (staging / "shop" / "models.py").read_text() == "# models, changed\n"
    assert os.access(staging / "bin" / "run.sh", os.X_OK)


@pytest.mark.slow
def test_damaged_requirements_cache_says_how_to_recover(project: Path, lambda_setting: Any) -> None:
    build_package()
    cache = project / ".lambda" / "requirements.zip"
    cache.write_bytes(b"not a zip")

    with pytest.raises(BuildError, match=r"requirements.zip is damaged .* Delete .*\.lambda"):
        build_package()


@pytest.mark.slow
def test_zip_writer_counts_past_65535_entries_with_zip64_end_records() -> None:
    import io

    stream = io.BytesIO()
    writer = package.ZipWriter(stream)
    for number in range(70_000):
        writer.add(f"m/{number:05}.py", data=b"", mode=0o644)
    writer.add("m/last.py", data=b"x = 1\n" * 10, mode=0o755)
    writer.close()

    with zipfile.ZipFile(stream) as archive:
        infos = archive.infolist()
        assert len(infos) == 70_001
        assert archive.read("m/last.py") == b"x = 1\n" * 10
        assert archive.testzip() is None
    assert stat.S_IMODE(infos[-1].external_attr >> 16) == 0o755
    # The classic end record says "see zip64"; the zip64 one holds the count.
    data = stream.getvalue().removesuffix(package.ZIP_COMMENT)
    end = struct.unpack("<IHHHHIIH", data[-22:])
    assert end[:5] == (0x06054B50, 0, 0, 0xFFFF, 0xFFFF)
    assert end[7] == len(package.ZIP_COMMENT)
    locator = struct.unpack("<IIQI", data[-42:-22])
    assert locator[0] == 0x07064B50
    end64 = struct.unpack("<IQHHIIQQQQ", data[locator[2] : locator[2] + 56])
    assert (end64[0], end64[6], end64[7], end64[9]) == (0x06064B50, 70_001, 70_001, end[6])


@pytest.fixture(scope="session")
def django_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of the Django, asgiref and sqlparse installed here, made without any index."""
    directory = tmp_path_factory.mktemp("django_wheels")
    for name, requires in (("Django", ("asgiref", "sqlparse")), ("asgiref", ()), ("sqlparse", ())):
        distribution = importlib.metadata.distribution(name)
        files: dict[str, str | bytes] = {}
        for file in distribution.files or ():
            if (
                ".dist-info" in file.parts[0]
                or "__pycache__" in file.parts
                or file.parts[0] == ".."
            ):
                continue
            files[file.as_posix()] = Path(str(file.locate())).read_bytes()
        make_wheel(directory, name, files=files, requires=requires, version=distribution.version)
    return directory


@pytest.mark.slow
def test_the_package_serves_a_request_with_nothing_else_on_the_path(
    project: Path,
    lambda_setting: Any,
    monkeypatch: pytest.MonkeyPatch,
    wheels: Path,
    django_wheels: Path,
    tmp_path: Path,
) -> None:
    write(
        project,
        {
            "requirements.txt": "Django\n",
            "mysite/settings.py": (
                "SECRET_KEY = 'packaged'\nDEBUG = False\nALLOWED_HOSTS = ['.on.aws']\n"
                "ROOT_URLCONF = 'mysite.urls'\nINSTALLED_APPS = ['django_lambda']\n"
                "DATABASES = {}\nUSE_TZ = True\nUSE_I18N = True\n"
            ),
            "mysite/urls.py": (
                "from django.http import HttpResponse\nfrom django.urls import path\n"
                "from django.utils import translation\n\n"
                "def hello(request, name):\n"
                "    with translation.override(request.GET.get('lang', 'en')):\n"
                "        required = translation.gettext('This field is required.')\n"
                "    return HttpResponse(f'hello {name}: {required}')\n\n"
                "urlpatterns = [path('hello/<name>', hello)]\n"
            ),
        },
    )
    monkeypatch.setenv("PIP_FIND_LINKS", f"{wheels} {django_wheels}")
    package = tmp_path / "package"
    # With StaticStorage the admin's static files are on S3, not in the package.
    # An English and French site: the other languages' translations stay out.
    with override_settings(
        STORAGES=STATIC_STORAGES, LANGUAGES=[("en", "English"), ("fr", "French")]
    ):
        zip_path = build_package().zip_path
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(package)
    french = package / "django" / "conf" / "locale" / "fr" / "LC_MESSAGES"
    assert sorted(path.name for path in french.iterdir()) == ["django.mo"]
    translated = {path.parent.name for path in package.rglob("LC_MESSAGES")}
    assert translated == {"en", "fr"}
    # Locale formats are code, read whatever the language.
    assert (package / "django" / "conf" / "locale" / "de" / "formats.py").is_file()
    assert not list(package.rglob("*.po"))
    assert (package / "django" / "contrib" / "admin" / "templates").is_dir()
    assert not (package / "django" / "contrib" / "admin" / "static").exists()
    event = json.loads((Path(__file__).parent / "events" / "function_url.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/hello/caf%C3%A9"
    event["rawQueryString"] = "lang=fr"
    code = (
        "import json, sys, types\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from django_lambda.handler import lambda_handler\n"
        "import django\n"
        "context = types.SimpleNamespace(aws_request_id='req-1')\n"
        "result = lambda_handler(json.loads(sys.argv[2]), context)\n"
        "print(json.dumps({'result': result, 'django': django.__file__}))\n"
    )

    # -I -S: no site-packages, no PYTHONPATH, no user site: only the stdlib and the package.
    process = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(package), json.dumps(event)],
        env={"DJANGO_SETTINGS_MODULE": "mysite.settings"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert process.returncode == 0, process.stderr
    output = json.loads(process.stdout)
    assert output["django"] == str(package / "django" / "__init__.py")
    # The same string, translated here from the installed Django's own .mo file.
    with translation.override("fr"):
        required = translation.gettext("This field is required.")
    assert required != "This field is required."
    result = output["result"]
    assert (result["statusCode"], result["body"], result["isBase64Encoded"]) == (
        200,
        f"hello café: {required}",
        False,
    )


@pytest.mark.parametrize(
    ("relative", "pattern", "matches"),
    [
        ("docs", "docs", True),
        ("shop/docs/index.md", "docs", True),
        ("shop/docs/index.md", "/docs", False),
        ("docs/index.md", "/docs", True),
        ("docs/index.md", "docs/", True),
        ("README.md", "*.md", True),
        ("shop/templates/a.md", "*.md", True),
        ("assets/raw/big.psd", "assets/raw/*", True),
        ("shop/assets/raw/big.psd", "assets/raw/*", False),
        ("shop/assets/raw", "*/assets/raw", True),
        ("shop/models.py", "model*.py", True),
        ("shop/testing.py", "test_*.py", False),
        ("shop/Docs", "docs", False),
    ],
)
def test_exclude_patterns(relative: str, pattern: str, matches: bool) -> None:
    assert package.excluded(relative, [pattern]) is matches


def test_a_link_to_a_parent_directory_is_not_followed(project: Path, lambda_setting: Any) -> None:
    (project / "shop" / "loop").symlink_to(project)
    (project / "linked").symlink_to(project / "mysite")
    lambda_setting(REQUIREMENTS=None, EXCLUDE=["docs", "*.csv"])

    names = set(zip_names(build_package().zip_path))

    assert names == PROJECT_PACKAGED | own_source_names() | {
        "linked/__init__.py",
        "linked/settings.py",
    }


INCLUDE_FIX = (
    "Write INCLUDE patterns relative to the project directory, without '..', such as "
    "'data/*.csv', or copy the file into the project."
)


def test_absolute_include_pattern_is_an_error(lambda_setting: Any) -> None:
    lambda_setting(REQUIREMENTS=None, INCLUDE=["/etc/passwd"])

    with pytest.raises(BuildError) as raised:
        build_package()

    assert str(raised.value) == (
        f"DJANGO_LAMBDA['INCLUDE'] has the pattern '/etc/passwd', which is absolute. {INCLUDE_FIX}"
    )


@pytest.mark.parametrize("pattern", ["", "."])
def test_include_pattern_naming_no_file_is_an_error(lambda_setting: Any, pattern: str) -> None:
    lambda_setting(REQUIREMENTS=None, INCLUDE=[pattern])

    with pytest.raises(BuildError) as raised:
        build_package()

    assert str(raised.value) == (
        f"DJANGO_LAMBDA['INCLUDE'] has the pattern {pattern!r}, which names no file. {INCLUDE_FIX}"
    )


def test_include_pattern_reaching_outside_the_project_is_an_error(
    project: Path, lambda_setting: Any, tmp_path: Path
) -> None:
    write(tmp_path / "shared", {"prices.csv": "a,b\n"})
    lambda_setting(REQUIREMENTS=None, INCLUDE=["../shared/*.csv"])

    with pytest.raises(BuildError) as raised:
        build_package()

    assert str(raised.value) == (
        "DJANGO_LAMBDA['INCLUDE'] has the pattern '../shared/*.csv', which matches "
        f"{(tmp_path / 'shared' / 'prices.csv').resolve()}, outside the project directory "
        f"{project.resolve()}. {INCLUDE_FIX}"
    )


def test_include_pattern_going_up_through_a_link_leaves_from_its_target(
    project: Path, lambda_setting: Any, tmp_path: Path
) -> None:
    # "link/.." is the parent of the link's target, as the file system reads it.
    write(tmp_path / "elsewhere", {"inner/x": "", "secret.csv": "a,b\n"})
    (project / "link").symlink_to(tmp_path / "elsewhere" / "inner")
    lambda_setting(REQUIREMENTS=None, EXCLUDE=["link"], INCLUDE=["link/../secret.csv"])

    with pytest.raises(BuildError, match=r"which matches .*/elsewhere/secret.csv, outside the"):
        build_package()


def test_include_pattern_going_up_inside_the_project_ships_the_plain_name(
    lambda_setting: Any,
) -> None:
    lambda_setting(REQUIREMENTS=None, EXCLUDE=["docs", "*.csv"], INCLUDE=["docs/../data/*.csv"])

    names = set(zip_names(build_package().zip_path))

    assert names == PROJECT_PACKAGED | own_source_names() | {"data/big.csv", "data/keep.csv"}


def test_include_never_brings_in_the_builds_own_output(lambda_setting: Any) -> None:
    lambda_setting(REQUIREMENTS=None, EXCLUDE=["docs", "*.csv"], INCLUDE=[".lambda", ".lambda/*/*"])
    build_package()  # the second build finds the first one's output in .lambda

    names = set(zip_names(build_package().zip_path))

    assert names == PROJECT_PACKAGED | own_source_names()


@pytest.mark.parametrize("second", ["out.zip", "other.zip", None])
def test_a_build_never_packages_an_earlier_builds_zip(
    project: Path, lambda_setting: Any, second: str | None
) -> None:
    lambda_setting(REQUIREMENTS=None, EXCLUDE=["docs", "*.csv"])
    # A zip of the user's own, which is data and ships.
    with zipfile.ZipFile(project / "data.zip", "w") as archive:
        archive.writestr("fixture.json", "{}")
    first = build_package(output=project / "out.zip")
    renamed = project / "backups" / "Site.ZIP"
    renamed.parent.mkdir()
    renamed.write_bytes(first.zip_path.read_bytes())
    messages: list[str] = []

    result = build_package(output=project / second if second else None, say=messages.append)

    assert set(zip_names(result.zip_path)) == (PROJECT_PACKAGED | own_source_names() | {"data.zip"})
    # The output itself is left out as such; the others are recognized as packages.
    earlier = "backups/Site.ZIP" if second == "out.zip" else "backups/Site.ZIP, out.zip"
    assert f"Left out packages an earlier build wrote here: {earlier}." in messages


@pytest.mark.parametrize(
    ("build_dir", "exclude"),
    [
        ("build-output", []),  # left out as the build's own directory
        ("out/lambda", ["out"]),  # inside an excluded directory
        (".git/lambda", []),  # inside a directory that never ships
        ("../elsewhere", []),  # outside the project
    ],
)
def test_build_dir_anywhere_but_the_project_itself_builds_the_same_package(
    project: Path, lambda_setting: Any, build_dir: str, exclude: list[str]
) -> None:
    # .lambda holds an old build's leftovers: an ordinary directory, with another BUILD_DIR.
    exclude = ["docs", "*.csv", ".lambda", *exclude]
    lambda_setting(REQUIREMENTS=None, EXCLUDE=exclude, BUILD_DIR=build_dir)
    first = build_package()

    second = build_package()

    assert second.zip_path == (project / build_dir / "package.zip").resolve()
    assert set(zip_names(second.zip_path)) == PROJECT_PACKAGED | own_source_names()
    assert second.sha256 == first.sha256


@pytest.mark.parametrize(
    ("build_dir", "where", "why"),
    [
        ("", "is", "the package would take in the build's output"),
        (".", "is", "the package would take in the build's output"),
        ("..", "holds", "the build deletes stale files there, and could delete the project's"),
    ],
)
def test_build_dir_that_is_or_holds_the_project_is_an_error(
    project: Path, lambda_setting: Any, build_dir: str, where: str, why: str
) -> None:
    lambda_setting(REQUIREMENTS=None, BUILD_DIR=build_dir)

    with pytest.raises(BuildError) as raised:
        build_package()

    assert str(raised.value) == (
        f"DJANGO_LAMBDA['BUILD_DIR'] is {build_dir!r}, which {where} the project directory "
        f"{project.resolve()}: {why}. Give BUILD_DIR a directory of its own, inside the "
        "project (the default, '.lambda', which git should ignore) or outside it."
    )
    assert not (project / build_dir / "package.zip").exists()


def test_include_pattern_matching_nothing_is_reported(lambda_setting: Any) -> None:
    lambda_setting(REQUIREMENTS=None, INCLUDE=["nothing/*.txt"])
    messages: list[str] = []

    build_package(say=messages.append)

    assert "Warning: DJANGO_LAMBDA['INCLUDE'] pattern 'nothing/*.txt' matches nothing." in messages


def test_manifest_outside_the_project_is_reported(lambda_setting: Any, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere, {"staticfiles.json": "{}"})
    lambda_setting(REQUIREMENTS=None, STATIC_MANIFEST_DIR=str(elsewhere))
    messages: list[str] = []

    names = zip_names(build_package(say=messages.append).zip_path)

    assert "staticfiles.json" in names  # the project's own, at its root
    assert any(
        message.startswith(f"Warning: the static manifest {elsewhere / 'staticfiles.json'} is")
        for message in messages
    )


# -- Pruning: what a function never reads at run time -------------------------

# An app distribution with one file of every kind the pruning decides about.
APPKIT_KEPT = {
    "appkit/__init__.py": "",
    "appkit/apps.py": "# app config\n",
    "appkit/_speedups.cpython-312-x86_64-linux-gnu.so": "ELF",
    "appkit/locale/fr/LC_MESSAGES/django.mo": "compiled",
    "appkit/templates/appkit/page.html": "<p>page</p>\n",
    "appkit/data/words.txt.gz": "gz",
    # A package that happens to be called static is code: it stays.
    "appkit/widgets/__init__.py": "",
    "appkit/widgets/static/__init__.py": "",
    "appkit/widgets/static/helpers.py": "# helpers\n",
    # static/ inside a plain data directory is not where Django looks for an app's files.
    "appkit/assets/static/raw.css": "raw {}\n",
    # An app further down keeps its code.
    "appkit/contrib/__init__.py": "",
    "appkit/contrib/maps/__init__.py": "",
}
APPKIT_STATIC = {
    "appkit/static/appkit/app.css": "body {}\n",
    "appkit/static/appkit/img/logo.svg": "<svg/>\n",
    "appkit/contrib/maps/static/maps/map.js": "// map\n",
}
APPKIT_PRUNED = {
    "appkit/locale/fr/LC_MESSAGES/django.po": 'msgid "x"\n',
    "appkit/locale/django.pot": 'msgid "x"\n',
    "appkit/__init__.pyi": "",
    "appkit/py.typed": "",
    "appkit/_speedups.c": "/* c */\n",
    "appkit/_speedups.pyx": "# cython\n",
    "appkit/_speedups.pxd": "# cython\n",
}


@pytest.fixture
def appkit(project: Path, tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The project requires appkit (see APPKIT_*), which also installs a script into bin/."""
    directory = tmp_path / "appkit-wheels"
    directory.mkdir()
    make_wheel(
        directory,
        "appkit",
        files={
            **APPKIT_KEPT,
            **APPKIT_STATIC,
            **APPKIT_PRUNED,
            "appkit-1.0.data/scripts/appkit-cli": "#!python\nprint('cli')\n",
        },
    )
    monkeypatch.setenv("PIP_FIND_LINKS", f"{wheels} {directory}")
    (project / "requirements.txt").write_text("appkit\n")


def appkit_names(zip_path: Path) -> set[str]:
    """The package's files that came from appkit (metadata and RECORD apart)."""
    return {
        name
        for name in zip_names(zip_path)
        if name.startswith(("appkit/", "bin/")) or name.endswith("dist-info/METADATA")
    }


KEPT = {*APPKIT_KEPT, "appkit-1.0.dist-info/METADATA"}


@pytest.mark.slow
@pytest.mark.usefixtures("appkit")
def test_default_prune_with_static_storage(lambda_setting: Any) -> None:
    messages: list[str] = []
    with override_settings(STORAGES=STATIC_STORAGES):
        result = build_package(say=messages.append)

    assert appkit_names(result.zip_path) == KEPT
    assert (
        "Left out of the requirements (never read at run time): *.po (1 file, 0.0 MB), "
        "*.pot (1 file, 0.0 MB), *.pyi (1 file, 0.0 MB), py.typed (1 file, 0.0 MB), "
        "*.c (1 file, 0.0 MB), *.pyx (1 file, 0.0 MB), *.pxd (1 file, 0.0 MB), "
        "/bin (1 file, 0.0 MB), apps' static/ directories (3 files, 0.0 MB). "
        "DJANGO_LAMBDA['PRUNE'], ['PRUNE_STATIC'] and ['PRUNE_LOCALES'] choose what is "
        "left out."
    ) in messages
    # The report counts what ships, not what was installed.
    with zipfile.ZipFile(result.zip_path) as archive:
        assert result.unzipped_size == sum(info.file_size for info in archive.infolist())


@pytest.mark.slow
@pytest.mark.usefixtures("appkit")
def test_static_sources_stay_without_static_storage(lambda_setting: Any) -> None:
    messages: list[str] = []
    # The test settings' staticfiles storage is Django's StaticFilesStorage.
    result = build_package(say=messages.append)

    assert appkit_names(result.zip_path) == KEPT | set(APPKIT_STATIC)
    assert (
        "Keeping apps' static/ directories: STORAGES['staticfiles'] is not "
        "django_lambda.storage.StaticStorage, so the function may serve them from the package."
    ) in messages


@pytest.mark.slow
@pytest.mark.usefixtures("appkit")
def test_prune_static_off_keeps_static_sources(lambda_setting: Any) -> None:
    lambda_setting(PRUNE_STATIC=False)
    messages: list[str] = []
    with override_settings(STORAGES=STATIC_STORAGES):
        result = build_package(say=messages.append)

    assert appkit_names(result.zip_path) == KEPT | set(APPKIT_STATIC)
    assert not [message for message in messages if "static/ directories" in message]


@pytest.mark.slow
@pytest.mark.usefixtures("appkit")
def test_prune_off_ships_the_requirements_whole(lambda_setting: Any) -> None:
    lambda_setting(PRUNE=[], PRUNE_STATIC=False)
    with override_settings(STORAGES=STATIC_STORAGES):
        result = build_package()

    assert appkit_names(result.zip_path) == (
        KEPT | set(APPKIT_STATIC) | set(APPKIT_PRUNED) | {"bin/appkit-cli"}
    )


@pytest.mark.slow
@pytest.mark.usefixtures("appkit")
def test_own_prune_patterns_replace_the_defaults(lambda_setting: Any) -> None:
    lambda_setting(PRUNE=["appkit/data", "*.pyi"], PRUNE_STATIC=False)

    result = build_package()

    assert appkit_names(result.zip_path) == (
        KEPT - {"appkit/data/words.txt.gz"}
        | set(APPKIT_STATIC)
        | (set(APPKIT_PRUNED) - {"appkit/__init__.pyi"})
        | {"bin/appkit-cli"}
    )


@pytest.mark.slow
@pytest.mark.usefixtures("appkit")
def test_project_files_are_never_pruned(project: Path, lambda_setting: Any) -> None:
    write(project, {"shop/static/shop/site.css": "a {}\n", "shop/locale/fr/django.po": "x\n"})
    with override_settings(STORAGES=STATIC_STORAGES):
        names = set(zip_names(build_package().zip_path))
    assert {"shop/static/shop/site.css", "shop/locale/fr/django.po"} <= names


@pytest.mark.slow
@pytest.mark.usefixtures("appkit")
def test_changing_prune_settings_rebuilds_without_pip(
    project: Path, lambda_setting: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with override_settings(STORAGES=STATIC_STORAGES):
        pruned = build_package(output=tmp_path / "pruned.zip")

    def no_pip(args: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
        raise AssertionError(f"pip ran again: {args}")

    monkeypatch.setattr("django_lambda.package.requirements.run_pip", no_pip)
    lambda_setting(PRUNE=[])
    with override_settings(STORAGES=STATIC_STORAGES):
        whole = build_package(output=tmp_path / "whole.zip")
    # The staticfiles storage alone decides about static/ too.
    lambda_setting()
    with_static = build_package(output=tmp_path / "with-static.zip")
    with override_settings(STORAGES=STATIC_STORAGES):
        again = build_package(output=tmp_path / "again.zip")

    assert whole.reused_requirements and with_static.reused_requirements
    assert appkit_names(pruned.zip_path) == KEPT
    assert appkit_names(whole.zip_path) == KEPT | set(APPKIT_PRUNED) | {"bin/appkit-cli"}
    assert appkit_names(with_static.zip_path) == KEPT | set(APPKIT_STATIC)
    assert again.zip_path.read_bytes() == pruned.zip_path.read_bytes()
    # The staging directory follows the package every time.
    staging = project / ".lambda" / "build"
    staged = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()}
    assert staged == set(zip_names(again.zip_path))


@pytest.mark.slow
@pytest.mark.usefixtures("appkit")
def test_pruned_builds_are_byte_identical(lambda_setting: Any, tmp_path: Path) -> None:
    with override_settings(STORAGES=STATIC_STORAGES):
        first = build_package(output=tmp_path / "first.zip")
        second = build_package(output=tmp_path / "second.zip", reinstall=True)
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    assert first.sha256 == second.sha256


def test_a_subclass_of_static_storage_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs once django_lambda.storage is there (the storage branch).
    storage = pytest.importorskip("django_lambda.storage")
    subclass = type("SiteStatic", (storage.StaticStorage,), {"__module__": __name__})
    monkeypatch.setattr(sys.modules[__name__], "SiteStatic", subclass, raising=False)
    with override_settings(STORAGES={"staticfiles": {"BACKEND": f"{__name__}.SiteStatic"}}):
        assert package.uses_static_storage() is True


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("django_lambda.storage.StaticStorage", True),
        ("django.contrib.staticfiles.storage.StaticFilesStorage", False),
        ("django.contrib.staticfiles.storage.ManifestStaticFilesStorage", False),
    ],
)
def test_uses_static_storage(backend: str, expected: bool) -> None:
    with override_settings(STORAGES={"staticfiles": {"BACKEND": backend}}):
        assert package.uses_static_storage() is expected


def test_no_staticfiles_storage_is_not_static_storage() -> None:
    with override_settings(STORAGES={"default": {"BACKEND": "x.Y"}}):
        assert package.uses_static_storage() is False


def test_a_staticfiles_backend_that_cannot_be_imported_is_a_build_error() -> None:
    with (
        override_settings(STORAGES={"staticfiles": {"BACKEND": "mysite.storage.Missing"}}),
        pytest.raises(BuildError) as raised,
    ):
        package.uses_static_storage()
    assert str(raised.value) == (
        "STORAGES['staticfiles']['BACKEND'] is 'mysite.storage.Missing', which cannot be "
        "imported (No module named 'mysite'). Fix the setting, or set "
        "DJANGO_LAMBDA['PRUNE_STATIC'] = False to skip this question."
    )


def test_pruned_files_says_why_and_keeps_static_dirs_that_hold_code() -> None:
    names = [
        "app/__init__.py",
        "app/static/app/site.css",
        "app/locale/fr/LC_MESSAGES/django.po",
        "app/locale/fr/LC_MESSAGES/django.mo",
        # A static/ holding a module (a namespace package) is code.
        "tool/__init__.py",
        "tool/static/build.py",
        "tool/static/tool.css",
        "bin/tool",
        "lib/bin/helper.sh",
    ]
    assert package.pruned_files(names, patterns=["*.po", "/bin"], static=True) == {
        "app/static/app/site.css": package.STATIC_SOURCES,
        "app/locale/fr/LC_MESSAGES/django.po": "*.po",
        "bin/tool": "/bin",
    }
    assert package.pruned_files(names, patterns=[], static=False) == {}


# -- Translations the site never reads (PRUNE_LOCALES) ------------------------

# A requirement translated into several languages, by locale directory.
LANGKIT_LOCALES = ("de", "de_AT", "en", "fr", "fr_CA", "pt", "pt_BR", "zh_Hans")
LANGKIT_CATALOGS = {
    f"langkit/locale/{name}/LC_MESSAGES/{domain}.mo": "compiled"
    for name in LANGKIT_LOCALES
    for domain in ("django", "djangojs")
}
# Not translation catalogs: they stay whatever the languages.
LANGKIT_OTHER = {
    "langkit/__init__.py": "",
    "langkit/locale/__init__.py": "",
    "langkit/locale/fr/__init__.py": "",
    "langkit/locale/fr/formats.py": "DATE_FORMAT = 'j F Y'\n",
    "langkit/data/locale/fr/words.txt": "mot\n",
    "langkit/locale/fr/LC_MESSAGES/README.txt": "about the catalogs\n",
}
# The project's own translations are never pruned.
PROJECT_CATALOG = "shop/locale/fr/LC_MESSAGES/django.mo"


@pytest.fixture
def langkit(project: Path, tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The project requires langkit (see LANGKIT_*) and has a catalog of its own."""
    directory = tmp_path / "langkit-wheels"
    directory.mkdir()
    make_wheel(directory, "langkit", files={**LANGKIT_CATALOGS, **LANGKIT_OTHER})
    monkeypatch.setenv("PIP_FIND_LINKS", f"{wheels} {directory}")
    write(project, {"requirements.txt": "langkit\n", PROJECT_CATALOG: "compiled\n"})


def langkit_names(zip_path: Path) -> set[str]:
    return {
        name
        for name in zip_names(zip_path)
        if name.startswith("langkit/") or name == PROJECT_CATALOG
    }


def catalogs(*locales: str) -> set[str]:
    return {name for name in LANGKIT_CATALOGS if name.split("/")[2] in locales}


GERMAN_AND_BRAZILIAN = [("de", "German"), ("pt-br", "Brazilian Portuguese")]


@pytest.mark.slow
@pytest.mark.usefixtures("langkit")
def test_without_i18n_no_catalog_ships(lambda_setting: Any) -> None:
    messages: list[str] = []
    with override_settings(USE_I18N=False):
        result = build_package(say=messages.append)

    assert langkit_names(result.zip_path) == {*LANGKIT_OTHER, PROJECT_CATALOG}
    assert (
        "Left out of the requirements (never read at run time): translations the site never "
        "reads (16 files, 0.0 MB). DJANGO_LAMBDA['PRUNE'], "
        "['PRUNE_STATIC'] and ['PRUNE_LOCALES'] choose what is left out."
    ) in messages


@pytest.mark.slow
@pytest.mark.usefixtures("langkit")
def test_only_the_sites_languages_and_their_fallbacks_ship(
    lambda_setting: Any, tmp_path: Path
) -> None:
    with override_settings(USE_I18N=True, LANGUAGES=GERMAN_AND_BRAZILIAN, LANGUAGE_CODE="de"):
        german = build_package(output=tmp_path / "german.zip")
    with override_settings(USE_I18N=True, LANGUAGES=GERMAN_AND_BRAZILIAN, LANGUAGE_CODE="fr-ca"):
        canadian = build_package(output=tmp_path / "canadian.zip")

    # de_AT is a variant the site does not offer; "pt-br" falls back to "pt".
    assert langkit_names(german.zip_path) == {
        *LANGKIT_OTHER,
        PROJECT_CATALOG,
        *catalogs("de", "pt", "pt_BR"),
    }
    # LANGUAGE_CODE is every language's fallback.
    assert langkit_names(canadian.zip_path) == {
        *LANGKIT_OTHER,
        PROJECT_CATALOG,
        *catalogs("de", "pt", "pt_BR", "fr", "fr_CA"),
    }


@pytest.mark.slow
@pytest.mark.usefixtures("langkit")
def test_django_default_languages_keep_every_language_django_offers(
    lambda_setting: Any,
) -> None:
    with override_settings(USE_I18N=True):
        assert settings.LANGUAGES == global_settings.LANGUAGES
        kept = package.kept_locales()
        result = build_package()

    # Regional variants Django does not offer (it has no "de-at" or "fr-ca") go.
    assert langkit_names(result.zip_path) == (
        {*LANGKIT_CATALOGS, *LANGKIT_OTHER, PROJECT_CATALOG} - catalogs("de_AT", "fr_CA")
    )
    # Every language Django itself is translated into stays.
    locale = Path(django.__file__).parent / "conf" / "locale"
    offered = {path.parent.name for path in locale.glob("*/LC_MESSAGES")}
    assert kept is not None and len(offered) > 90
    assert offered <= kept


@pytest.mark.slow
@pytest.mark.usefixtures("langkit")
def test_prune_locales_off_keeps_every_catalog(lambda_setting: Any) -> None:
    lambda_setting(PRUNE_LOCALES=False)
    with override_settings(USE_I18N=False):
        result = build_package()
    assert langkit_names(result.zip_path) == {*LANGKIT_CATALOGS, *LANGKIT_OTHER, PROJECT_CATALOG}


@pytest.mark.slow
@pytest.mark.usefixtures("langkit")
def test_builds_pruned_to_the_sites_languages_are_byte_identical(
    lambda_setting: Any, tmp_path: Path
) -> None:
    with override_settings(LANGUAGES=GERMAN_AND_BRAZILIAN):
        first = build_package(output=tmp_path / "first.zip")
        second = build_package(output=tmp_path / "second.zip", reinstall=True)
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    assert catalogs("de") <= langkit_names(first.zip_path)
    assert not catalogs("fr") & langkit_names(first.zip_path)


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("de", {"de", "de_DE"}),
        ("de-at", {"de_AT", "de"}),
        ("pt-br", {"pt_BR", "pt"}),
        ("zh-hans", {"zh_Hans", "zh"}),
        ("sr-latn", {"sr_Latn", "sr"}),
        ("en-us", {"en_US", "en"}),
        ("es-419", {"es_419", "es"}),
    ],
)
def test_locale_names_are_where_gettext_looks(language: str, names: set[str]) -> None:
    assert package.locale_names(language) == names
    # gettext itself agrees (its expansion also tries codeset spellings, which
    # no package uses for a directory name).
    assert names == {
        expanded
        for expanded in gettext._expand_lang(translation.to_locale(language))  # type: ignore[attr-defined]
        if "." not in expanded
    }


def test_pruned_files_prunes_only_catalogs_of_other_locales() -> None:
    names = [
        "app/locale/fr/LC_MESSAGES/django.mo",
        "app/locale/fr/LC_MESSAGES/django.po",
        "app/locale/de/LC_MESSAGES/django.mo",
        "app/locale/fr/formats.py",
        "app/locale/fr/LC_MESSAGES/notes.txt",
        "locale/fr/LC_MESSAGES/top.mo",
    ]
    assert package.pruned_files(names, patterns=["*.po"], static=False, locales={"de"}) == {
        "app/locale/fr/LC_MESSAGES/django.mo": package.UNUSED_TRANSLATIONS,
        "app/locale/fr/LC_MESSAGES/django.po": "*.po",
    }
    assert package.pruned_files(names, patterns=[], static=False, locales=None) == {}


# The runtime of this interpreter: the build compiles bytecode only for it (and
# the tests install only purepkg: natpkg has wheels for python3.12 alone).
HERE = f"python{sys.version_info.major}.{sys.version_info.minor}"
ELSEWHERE = f"python{sys.version_info.major}.{sys.version_info.minor + 1}"


def run_unpacked(zip_path: Path, into: Path, code: str) -> str:
    """Unpack ``zip_path`` into ``into`` and run ``code`` there as the runtime does:
    ``-I -S`` (nothing but the package on the path) and ``-B`` (/var/task is read-only)."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    # Sources edited after the build: what runs tells which one was loaded.
    write(into, {"shop/version.py": "BUILT = False\n", "purepkg/util.py": "X = 2\n"})
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-B",
            "-c",
            f"import sys; sys.path.insert(0, {str(into)!r})\n{code}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("compile_", "loaded"), [(True, "True 1\n"), (False, "False 2\n")])
def test_bytecode_ships_for_every_module_and_is_what_loads(
    project: Path, lambda_setting: Any, tmp_path: Path, compile_: bool, loaded: str
) -> None:
    write(project, {"shop/version.py": "BUILT = True\n", "requirements.txt": "purepkg\n"})
    lambda_setting(RUNTIME=HERE, EXCLUDE_RUNTIME_PACKAGES=False, COMPILE=compile_)

    result = build_package()

    names = set(zip_names(result.zip_path))
    sources = {name for name in names if name.endswith(".py")}
    bytecode = {name for name in names if name.endswith(".pyc")}
    assert {"shop/version.py", "purepkg/util.py", "django_lambda/handler.py"} <= sources
    assert bytecode == ({package.bytecode_name(name) for name in sources} if compile_ else set())
    code = "import shop.version, purepkg.util; print(shop.version.BUILT, purepkg.util.X)"
    assert run_unpacked(result.zip_path, tmp_path / "task", code) == loaded


@pytest.mark.slow
def test_no_bytecode_for_another_python(project: Path, lambda_setting: Any) -> None:
    write(project, {"requirements.txt": "purepkg\n"})
    lambda_setting(RUNTIME=ELSEWHERE, COMPILE=True)
    messages: list[str] = []

    result = build_package(say=messages.append)

    assert not [name for name in zip_names(result.zip_path) if "__pycache__" in name]
    here, there = HERE.removeprefix("python"), ELSEWHERE.removeprefix("python")
    assert (
        f"Not compiling bytecode: this build runs on Python {here} and the function on "
        f"Python {there}, and bytecode loads only on the Python that wrote it, so every cold "
        f"start will compile the modules it imports. Run the deploy with Python {there} to "
        "ship bytecode (or set DJANGO_LAMBDA['COMPILE'] = False to say so)."
    ) in messages


@pytest.mark.slow
def test_builds_with_bytecode_are_byte_identical_and_reuse_it(
    project: Path, lambda_setting: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"requirements.txt": "purepkg\n"})
    lambda_setting(RUNTIME=HERE, COMPILE=True)
    first = build_package(output=tmp_path / "first.zip")
    for path in project.rglob("*"):
        if path.is_file():
            os.utime(path, (1_900_000_000, 1_900_000_000))

    def no_compile(*args: object) -> None:
        raise AssertionError(f"compiled again: {args}")

    with monkeypatch.context() as patch:
        patch.setattr("django_lambda.package.bytecode._compile_module", no_compile)
        warm = build_package(output=tmp_path / "warm.zip")
    (project / "shop" / "models.py").write_text("# models, changed\n")
    changed = build_package(output=tmp_path / "changed.zip")
    (project / "shop" / "models.py").write_text("# models\n")
    fresh = build_package(output=tmp_path / "fresh.zip", reinstall=True)

    assert "purepkg/__pycache__/util." + sys.implementation.cache_tag + ".pyc" in zip_names(
        first.zip_path
    )
    assert warm.zip_path.read_bytes() == first.zip_path.read_bytes()
    assert changed.sha256 != first.sha256
    assert fresh.zip_path.read_bytes() == first.zip_path.read_bytes()


@pytest.mark.slow
def test_bytecode_follows_pruning_and_shadowing(project: Path, lambda_setting: Any) -> None:
    write(
        project,
        {"purepkg/__init__.py": "# the project's own purepkg\n", "requirements.txt": "purepkg\n"},
    )
    lambda_setting(RUNTIME=HERE, COMPILE=True, PRUNE=["purepkg/util.py"])

    result = build_package()

    with zipfile.ZipFile(result.zip_path) as archive:
        purepkg = {
            name: archive.read(name) for name in archive.namelist() if name.startswith("purepkg/")
        }
    init_pyc = package.bytecode_name("purepkg/__init__.py")
    assert set(purepkg) == {"purepkg/__init__.py", init_pyc}
    source = b"# the project's own purepkg\n"
    assert purepkg[init_pyc][8:16] == importlib.util.source_hash(source)


def test_compiler_warnings_neither_show_nor_fail_the_module(
    project: Path, lambda_setting: Any
) -> None:
    write(project, {"shop/odd.py": 'PATTERN = "\\d+"\nSAME = 1 is 1\n'})
    lambda_setting(RUNTIME=HERE, COMPILE=True, REQUIREMENTS=None)
    messages: list[str] = []

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = build_package(say=messages.append)

    assert package.bytecode_name("shop/odd.py") in zip_names(result.zip_path)
    assert not [message for message in messages if message.startswith("Warning")]


@pytest.mark.slow
def test_a_module_that_does_not_compile_ships_as_source_alone(
    project: Path, lambda_setting: Any
) -> None:
    write(project, {"purepkg/__init__.py": "def (\n", "requirements.txt": "purepkg\n"})
    lambda_setting(RUNTIME=HERE, COMPILE=True)
    messages: list[str] = []

    result = build_package(say=messages.append)

    names = zip_names(result.zip_path)
    assert "purepkg/__init__.py" in names
    # Not even the installed purepkg's: it would load instead of the project's module.
    assert package.bytecode_name("purepkg/__init__.py") not in names
    assert package.bytecode_name("purepkg/util.py") in names
    assert (
        "Warning: shipping without bytecode 1 file of the project that did not compile "
        "(importing such a file fails on Lambda too): purepkg/__init__.py."
    ) in messages
