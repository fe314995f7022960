"""The built package never holds secrets, version control, or what EXCLUDE names.

Projects are drawn from a pool of paths whose fate is known by hand (a trap
next to each rule: ``environment.py`` is no ``.env``, ``docs.py`` is no
``docs``, ``app/private`` is not the anchored ``/private``), built for real
with no requirements, and the zip's project files must be exactly the ones
that should ship.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from django_lambda.build import build_package

EXCLUDE = ["docs", "*.log", "/private", "app/*.pem"]
# path -> whether it belongs in the package, given EXCLUDE.
POOL = {
    ".env": False,
    ".env.production": False,
    "config/.env": False,
    ".git/config": False,
    ".git/objects/ab/cdef": False,
    "vendor/lib/.git/HEAD": False,
    "docs/index.md": False,
    "app/docs/notes.txt": False,
    "debug.log": False,
    "app/logs/today.log": False,
    "private/key.txt": False,
    "app/cert.pem": False,
    "manage.py": True,
    "app/views.py": True,
    "app/templates/app/page.html": True,
    "environment.py": True,
    "docs.py": True,
    "logs/readme.txt": True,
    "app/private/public.txt": True,
    "config/settings.py": True,
}


def build(files: list[str], *, log: list[str] | None = None, **setting: object) -> set[str]:
    """Build a project holding ``files``; the zip's names outside django_lambda/."""
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        for name in files:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(f"contents of {name}\n")
        # No bytecode: its names follow the sources' (tests/test_build.py checks them).
        configured: dict[str, object] = {
            "PROJECT_DIR": str(project),
            "REQUIREMENTS": None,
            "COMPILE": False,
        }
        configured.update(setting)
        with override_settings(DJANGO_LAMBDA=configured):
            result = build_package(log=None if log is None else log.append)
        with zipfile.ZipFile(result.zip_path) as archive:
            names = {info.filename for info in archive.infolist() if not info.is_dir()}
    return {name for name in names if not name.startswith("django_lambda/")}


@given(files=st.sets(st.sampled_from(sorted(POOL)), min_size=1))
def test_package_holds_exactly_the_files_that_should_ship(files: set[str]) -> None:
    assert build(sorted(files), EXCLUDE=EXCLUDE) == {name for name in files if POOL[name]}


def test_default_rules_keep_secrets_and_version_control_out() -> None:
    shipped = build(sorted(POOL))
    assert not any(
        part == ".git" or part.startswith(".env") for name in shipped for part in name.split("/")
    )
    assert "environment.py" in shipped


@pytest.mark.parametrize(
    "include", [["config"], ["config/**"], ["**/*"], ["config/.env", ".git"], [".git/*"]]
)
def test_include_of_a_directory_brings_no_secrets_along(include: list[str]) -> None:
    shipped = build(
        ["config/.env", "config/settings.py", ".git/config", "data/a.csv"], INCLUDE=include
    )
    assert "config/settings.py" in shipped
    assert not {"config/.env", ".git/config"} & shipped


def test_include_of_secrets_says_they_stay_out() -> None:
    messages: list[str] = []

    shipped = build(
        ["config/.env", ".git/config", ".git/HEAD", "data/a.csv"],
        log=messages,
        INCLUDE=["config/.env*", "data", "**/*"],
        EXCLUDE=["data"],
    )

    assert shipped == {"data/a.csv"}
    refused = [message for message in messages if "never ship" in message]
    assert refused == [
        "Warning: DJANGO_LAMBDA['INCLUDE'] pattern 'config/.env*' matches 1 path left out "
        "all the same (config/.env): secrets and version control (.env*, .git, .hg, .svn) "
        "never ship, whatever INCLUDE says. Give the function its secrets through "
        "DJANGO_LAMBDA['ENVIRONMENT'] or a secrets store instead.",
        "Warning: DJANGO_LAMBDA['INCLUDE'] pattern '**/*' matches 4 paths left out all the "
        "same (.git, .git/HEAD, .git/config, ...): secrets and version control (.env*, .git, "
        ".hg, .svn) never ship, whatever INCLUDE says. Give the function its secrets through "
        "DJANGO_LAMBDA['ENVIRONMENT'] or a secrets store instead.",
    ]
