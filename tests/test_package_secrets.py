"""The built package never holds secrets, version control, or what EXCLUDE names.

Projects are drawn from a pool of paths whose fate is known by hand (a trap
next to each rule: ``environment.py`` is no ``.env``, ``docs.py`` is no
``docs``, ``app/private`` is not the anchored ``/private``, ``keys.py`` is no
``*.key``), built for real with no requirements, and the zip's project files
must be exactly the ones that should ship. Every secret pattern has a file
planted for it; a symbolic link out of the project stops the build.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from django_lambda.conf import deploy_config
from django_lambda.package import NEVER_SHIP, SECRETS, BuildError, build_package, excluded
from django_lambda.progress import quiet

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
    "certs/site.pem": False,
    ".aws/credentials": False,
    "id_rsa": False,
    "keys.py": True,
    "pem.txt": True,
    "app/ssh/config": True,
    "terraform.py": True,
    "mygit.txt": True,
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
            result = build_package(deploy_config(), say=quiet if log is None else log.append)
        with zipfile.ZipFile(result.zip_path) as archive:
            names = {info.filename for info in archive.infolist() if not info.is_dir()}
    return {name for name in names if not name.startswith("django_lambda/")}


@pytest.mark.slow
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


# Each planted file and the default pattern that must keep it out.
PLANTED = {
    ".env": ".env*",
    "config/.env.production": ".env*",
    ".git/config": ".git",
    "vendor/lib/.hg/store/data": ".hg",
    ".svn/entries": ".svn",
    "server.pem": "*.pem",
    "certs/site.pem": "*.pem",
    "certs/site.key": "*.key",
    "client.p12": "*.p12",
    "client.pfx": "*.pfx",
    "putty.ppk": "*.ppk",
    "release.jks": "*.jks",
    "android.keystore": "*.keystore",
    "id_rsa": "id_rsa*",
    "deploy/id_rsa.pub": "id_rsa*",
    "id_dsa": "id_dsa*",
    "id_ecdsa": "id_ecdsa*",
    "id_ed25519": "id_ed25519*",
    ".ssh/id_ed25519": ".ssh",
    ".ssh/known_hosts": ".ssh",
    ".gnupg/private-keys-v1.d/a.key": ".gnupg",
    ".aws/credentials": ".aws",
    ".kube/config": ".kube",
    ".docker/config.json": ".docker",
    ".netrc": ".netrc",
    ".pgpass": ".pgpass",
    ".pypirc": ".pypirc",
    ".npmrc": ".npmrc",
    "static/.htpasswd": ".htpasswd",
    "terraform.tfstate": "*.tfstate*",
    "infra/terraform.tfstate.backup": "*.tfstate*",
    ".terraform/providers/aws": ".terraform",
    ".gitignore": ".git*",
    ".github/workflows/ci.yml": ".git*",
    ".git-credentials": ".git*",
}
# What ships next to them.
KEPT = ["manage.py", "config/settings.py", "certs/README.txt", "app/keys.py", "app/ssh/config"]


def test_every_secret_pattern_has_a_planted_file() -> None:
    assert set(PLANTED.values()) == {*NEVER_SHIP, *SECRETS}


def test_no_planted_secret_ships_and_one_line_counts_them() -> None:
    messages: list[str] = []

    shipped = build([*PLANTED, *KEPT], log=messages)

    assert shipped == set(KEPT)
    [summary] = [message for message in messages if "secret-looking" in message]
    # A directory left out counts once (.ssh, .git, ...), whatever it holds.
    assert summary == (
        "Left out 34 secret-looking paths (.env* 2, .git 1, .hg 1, .svn 1, *.pem 2, *.key 1, "
        "*.p12 1, *.pfx 1, *.ppk 1, *.jks 1, *.keystore 1, id_rsa* 2, id_dsa* 1, id_ecdsa* 1, "
        "id_ed25519* 1, .ssh 1, .gnupg 1, .aws 1, .kube 1, .docker 1, .netrc 1, .pgpass 1, "
        ".pypirc 1, .npmrc 1, .htpasswd 1, *.tfstate* 2, .terraform 1, .git* 3): private "
        "keys, credentials and version control stay out of the package. "
        "DJANGO_LAMBDA['INCLUDE'] brings back one the function needs (but never .env*, .git, "
        ".hg, .svn)."
    )


def test_nothing_secret_looking_says_nothing() -> None:
    messages: list[str] = []
    assert build(KEPT, log=messages) == set(KEPT)
    assert not [message for message in messages if "secret" in message]


@pytest.mark.parametrize(
    "secret", sorted(set(PLANTED) - {p for p in PLANTED if excluded(p, NEVER_SHIP)})
)
def test_include_brings_one_back_with_a_warning(secret: str) -> None:
    messages: list[str] = []

    shipped = build([*PLANTED, *KEPT], log=messages, INCLUDE=[secret])

    assert shipped == {*KEPT, secret}
    assert (
        f"Warning: DJANGO_LAMBDA['INCLUDE'] pattern {secret!r} ships 1 secret-looking path "
        f"({secret}), which the build leaves out by default: make sure no private key or "
        "credential is in the package. Give the function its secrets through "
        "DJANGO_LAMBDA['ENVIRONMENT'] or a secrets store instead."
    ) in messages


def test_include_of_a_secret_directory_ships_all_of_it_with_a_warning() -> None:
    messages: list[str] = []

    shipped = build([*PLANTED, *KEPT], log=messages, INCLUDE=[".ssh"])

    assert shipped == {*KEPT, ".ssh/id_ed25519", ".ssh/known_hosts"}
    assert any("pattern '.ssh' ships 1 secret-looking path (.ssh)" in m for m in messages)
    [summary] = [m for m in messages if m.startswith("Left out")]
    assert summary.startswith("Left out 33 secret-looking paths (") and ".ssh 1" not in summary


def test_include_of_a_directory_leaves_the_secrets_in_it_out() -> None:
    messages: list[str] = []

    shipped = build(
        ["certs/site.pem", "certs/site.key", "certs/README.txt"],
        log=messages,
        EXCLUDE=["certs"],
        INCLUDE=["certs"],
    )

    assert shipped == {"certs/README.txt"}
    assert not [m for m in messages if m.startswith("Warning")]
    [summary] = [m for m in messages if m.startswith("Left out")]
    assert summary.startswith("Left out 2 secret-looking paths (*.pem 1, *.key 1)")


def linked_project(directory: Path, link: str, target: Path) -> Path:
    project = directory / "project"
    for name in ("manage.py", "app/views.py"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("# code\n")
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(target)
    return project


def build_linked(project: Path, **setting: object) -> set[str]:
    configured = {"PROJECT_DIR": str(project), "REQUIREMENTS": None, "COMPILE": False, **setting}
    with override_settings(DJANGO_LAMBDA=configured):
        result = build_package(deploy_config())
    with zipfile.ZipFile(result.zip_path) as archive:
        return {n for n in archive.namelist() if not n.startswith("django_lambda/")}


@pytest.mark.parametrize("link", ["shared", "app/home"])
def test_a_link_to_a_directory_outside_the_project_stops_the_build(
    tmp_path: Path, link: str
) -> None:
    outside = tmp_path / "home"
    (outside / ".ssh").mkdir(parents=True)
    (outside / ".ssh" / "config").write_text("Host *\n")
    (outside / "notes.txt").write_text("private\n")
    project = linked_project(tmp_path, link, outside)

    with pytest.raises(BuildError) as raised:
        build_linked(project)

    assert str(raised.value) == (
        f"{link} is a symbolic link to {outside.resolve()}, outside the project directory "
        f"{project.resolve()}, and the build does not follow links out of the project. Copy "
        "what the function needs into the project, or leave the link out: "
        f"DJANGO_LAMBDA['EXCLUDE'] = [{link!r}]."
    )


def test_a_link_to_a_file_outside_the_project_stops_the_build(tmp_path: Path) -> None:
    outside = tmp_path / "settings_local.py"
    outside.write_text("SECRET_KEY = 'x'\n")
    project = linked_project(tmp_path, "app/settings_local.py", outside)

    with pytest.raises(BuildError, match=r"^app/settings_local.py is a symbolic link to "):
        build_linked(project)


def test_an_excluded_link_out_of_the_project_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "notes.txt").write_text("private\n")
    project = linked_project(tmp_path, "shared", outside)

    assert build_linked(project, EXCLUDE=["shared"]) == {"manage.py", "app/views.py"}


def test_an_include_through_a_link_out_of_the_project_stops_the_build(tmp_path: Path) -> None:
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "prices.csv").write_text("a,b\n")
    project = linked_project(tmp_path, "shared", outside)

    with pytest.raises(BuildError, match=r"^shared is a symbolic link to .*/home, outside"):
        build_linked(project, EXCLUDE=["shared"], INCLUDE=["shared/*.csv"])


def test_a_link_inside_the_project_is_followed(tmp_path: Path) -> None:
    project = linked_project(tmp_path, "alias", Path("app"))

    assert build_linked(project) == {"manage.py", "app/views.py", "alias/views.py"}
