"""The package's Django and other distributions against the deploy's own."""

from __future__ import annotations

import configparser
import importlib.metadata
import re
import zipfile
from pathlib import Path

import django
import pytest

from django_lambda.package import BuildError, BuildResult, versions

ROOT = Path(__file__).resolve().parent.parent
HERE = django.get_version()


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    zip_path = tmp_path / "package.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return zip_path


def installed(name: str, version: str) -> dict[str, str]:
    """The files of an installed distribution, as the build's pip puts them in the package."""
    top = name.lower()
    return {
        f"{top}/__init__.py": "",
        f"{name}-{version}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nA description.\n"
            "Version: 0.0 (not a header)\n"
        ),
    }


def check(
    zip_path: Path, project: Path, requirements: Path | None = None
) -> tuple[list[str], str | None]:
    said: list[str] = []
    try:
        versions.check_package(
            zip_path, requirements=requirements, project_dir=project, say=said.append
        )
    except versions.VersionError as error:
        return said, str(error)
    return said, None


def test_the_same_django_passes(tmp_path: Path) -> None:
    zip_path = package(tmp_path, installed("Django", HERE))
    assert check(zip_path, tmp_path) == ([], None)


def test_no_django_names_it_and_the_requirements_file(tmp_path: Path) -> None:
    project = tmp_path / "site"
    requirements = project / "requirements" / "lambda.txt"
    zip_path = package(tmp_path, installed("six", "1.0"))

    _, error = check(zip_path, project, requirements)

    assert error == (
        "Django is not in the package, so the function would fail every request with "
        "\"No module named 'django'\". The build installed the requirements file "
        "requirements/lambda.txt. Add Django to the requirements file "
        f"(Django=={HERE} is the version this deploy runs)."
    )


def test_no_django_and_no_requirements_points_at_the_one_a_level_up(tmp_path: Path) -> None:
    # The talk's app: manage.py in app/, requirements.txt beside app/.
    project = tmp_path / "app"
    project.mkdir()
    (tmp_path / "requirements.txt").write_text("Django\n")
    zip_path = package(tmp_path, {"app/views.py": ""})

    _, error = check(zip_path, project)

    assert error is not None
    assert (
        "The build read no requirements file; there is one a level above the project "
        f"directory, {tmp_path / 'requirements.txt'}: set DJANGO_LAMBDA['REQUIREMENTS'] = "
        "'../requirements.txt' to install it." in error
    )


def test_no_django_and_no_requirements_at_all(tmp_path: Path) -> None:
    _, error = check(package(tmp_path, {"app.py": ""}), tmp_path / "site")

    assert error is not None
    assert (
        "The build read no requirements file (DJANGO_LAMBDA['REQUIREMENTS'], default "
        f"requirements.txt in {tmp_path / 'site'})." in error
    )


def test_a_django_older_than_the_minimum_is_refused(tmp_path: Path) -> None:
    # The talk's 2020 pins.
    zip_path = package(tmp_path, installed("Django", "3.1.1"))

    _, error = check(zip_path, tmp_path, tmp_path / "requirements.txt")

    assert error == (
        "The package holds Django 3.1.1, older than Django 4.2, the oldest that django-lambda "
        "supports. The build installed the requirements file requirements.txt. Require "
        f"Django>=4.2 there (this deploy runs Django {HERE})."
    )


def test_another_major_minor_than_the_deploys_is_refused(tmp_path: Path) -> None:
    other = f"{django.VERSION[0]}.{django.VERSION[1] + 1}.0"
    zip_path = package(tmp_path, installed("Django", other))

    _, error = check(zip_path, tmp_path, tmp_path / "requirements.txt")

    series = f"{django.VERSION[0]}.{django.VERSION[1]}"
    assert error == (
        f"The package holds Django {other}, but this deploy runs Django {HERE}, which ran the "
        "checks and wrote the static manifest the package ships. The build installed the "
        f"requirements file requirements.txt. Pin Django=={series}.* there, or deploy from an "
        f"environment with Django {django.VERSION[0]}.{django.VERSION[1] + 1}."
    )


@pytest.mark.parametrize(("version", "passes"), [(django.VERSION[:3], True), ((3, 2, 25), False)])
def test_a_django_copied_into_the_project_is_read_from_its_version(
    tmp_path: Path, version: tuple[int, int, int], passes: bool
) -> None:
    source = f'"""Django."""\n\nVERSION = {(*version, "final", 0)!r}\n'
    zip_path = package(tmp_path, {"django/__init__.py": source})

    _, error = check(zip_path, tmp_path)

    if passes:
        assert error is None
    else:
        assert error is not None
        assert error.startswith("The package holds Django 3.2.25, older than Django 4.2")


def test_other_distributions_that_differ_get_one_warning(tmp_path: Path) -> None:
    asgiref = importlib.metadata.version("asgiref")
    sqlparse = importlib.metadata.version("sqlparse")
    zip_path = package(
        tmp_path,
        {
            **installed("Django", HERE),
            **installed("asgiref", "0.1"),
            **installed("sqlparse", sqlparse),  # the same: not listed
            **installed("not-installed-here", "1.0"),  # nothing to compare with
        },
    )

    said, error = check(zip_path, tmp_path)

    assert error is None
    assert said == [
        f"Warning: the package holds other versions than this environment of asgiref 0.1 "
        f"(here {asgiref}): what runs here is not exactly what will run on Lambda. Pin the "
        "versions in the requirements file, or install them here."
    ]


def test_a_failed_check_deletes_the_package(tmp_path: Path) -> None:
    zip_path = package(tmp_path, installed("Django", "3.1.1"))
    result = BuildResult(zip_path, "sha", 1, 1, requirements=None)

    with pytest.raises(BuildError, match=r"older than Django 4\.2"):
        versions.check_build(result, project_dir=tmp_path, say=lambda message: None)

    assert not zip_path.exists()


def test_the_minimum_is_the_one_setup_cfg_requires() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    requirements = config["options"]["install_requires"]
    match = re.search(r"^Django>=(\d+)\.(\d+)$", requirements, re.MULTILINE)
    assert match is not None
    assert (int(match[1]), int(match[2])) == versions.MIN_DJANGO
