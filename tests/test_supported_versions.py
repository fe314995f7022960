"""What setup.cfg and the README claim is what noxfile.py's matrix runs."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def matrix() -> dict[str, list[str]]:
    """PYTHONS and DJANGOS from noxfile.py, read without importing nox."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("PYTHONS", "DJANGOS"):
                found[target.id] = ast.literal_eval(node.value)
    return found


def setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "setup.cfg")
    return config


def classifiers(prefix: str) -> list[str]:
    lines = setup_cfg()["metadata"]["classifiers"].strip().splitlines()
    return [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]


def test_the_classifiers_name_the_pythons_and_djangos_of_the_matrix() -> None:
    tested = matrix()
    assert classifiers("Programming Language :: Python :: ") == ["3", *tested["PYTHONS"]]
    assert classifiers("Framework :: Django :: ") == tested["DJANGOS"]


def test_the_requirements_start_at_the_oldest_python_and_django_of_the_matrix() -> None:
    options, tested = setup_cfg()["options"], matrix()
    assert options["python_requires"] == f">={tested['PYTHONS'][0]}"
    requires = options["install_requires"].split()
    assert f"Django>={tested['DJANGOS'][0]}" in requires


def test_the_readme_states_the_same_versions() -> None:
    tested = matrix()
    pythons, djangos = tested["PYTHONS"], tested["DJANGOS"]
    statement = (
        f"It runs on Python {pythons[0]} to {pythons[-1]} with Django "
        f"{', '.join(djangos[:-1])} and {djangos[-1]}"
    )
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert statement in readme
