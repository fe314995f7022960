"""Package size and build time: django-lambda's build against the talk's recipe.

The talk's recipe is ``pip install -r requirements.txt -t .`` inside the
project, then ``zip -r`` of everything. Ours is ``manage.py lambda_deploy
--skip-static --build-only`` (static files go to S3, not into the zip).
Both build the same project with the same requirements.
"Cold" starts from an empty pip cache and no earlier build output; "warm"
runs again right after, with pip's cache (and, for ours, the previous build)
in place. Run alone with ``python benchmarks/package.py``; pip needs PyPI.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, machine, table, write

REQUIREMENTS = "Django\ndjango-storages\n"

# A small but complete project, used while the demo site is not there.
SMALL_PROJECT = {
    "manage.py": """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
""",
    "site_settings.py": """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "benchmark"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "site_urls"
INSTALLED_APPS = ["django.contrib.staticfiles", "django_lambda"]
STATIC_URL = "/static/"
# As on the demo site: collectstatic puts the static files on S3.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django_lambda.storage.StaticStorage",
        "OPTIONS": {"bucket_name": "bench-static"},
    },
}
DJANGO_LAMBDA = {"FUNCTION_NAME": "bench-site"}
""",
    "site_urls.py": """\
from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("<h1>Stars</h1>"))]
""",
}


@dataclass(frozen=True)
class Measure:
    zipped: int
    unzipped: int
    files: int
    seconds: float


def measure_zip(zip_path: Path, seconds: float) -> Measure:
    with zipfile.ZipFile(zip_path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
    return Measure(
        zipped=zip_path.stat().st_size,
        unzipped=sum(info.file_size for info in infos),
        files=len(infos),
        seconds=seconds,
    )


def make_project(into: Path) -> Path:
    """A copy of the project to build: the demo site when present, else a small one."""
    project = into / "project"
    demo = ROOT / "demo_site"
    if demo.is_dir() and (ROOT / "requirements.txt").is_file():
        project.mkdir()
        for name in ("manage.py", "requirements.txt"):
            shutil.copy2(ROOT / name, project / name)
        shutil.copytree(demo, project / "demo_site", ignore=shutil.ignore_patterns("__pycache__"))
    else:
        project.mkdir()
        for name, text in SMALL_PROJECT.items():
            (project / name).write_text(text)
        (project / "requirements.txt").write_text(REQUIREMENTS)
    return project


def run(command: list[str], *, cwd: Path, pip_cache: Path) -> float:
    """Run a build command; its output is shown only if it fails."""
    env = {**os.environ, "PIP_CACHE_DIR": str(pip_cache), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed in {cwd} (exit {done.returncode}):\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return seconds


def talk_recipe(project: Path, work: Path, pip_cache: Path) -> Measure:
    """``pip install -r requirements.txt -t .`` in a fresh copy, then ``zip -r`` of it all."""
    source = work / "talk-src"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(project, source, ignore=shutil.ignore_patterns(".lambda"))
    target = work / "talk.zip"
    target.unlink(missing_ok=True)
    seconds = run(
        [sys.executable, "-m", "pip", "install", "-q", "-r", "requirements.txt", "-t", "."],
        cwd=source,
        pip_cache=pip_cache,
    )
    seconds += run(["zip", "-q", "-r", str(target), "."], cwd=source, pip_cache=pip_cache)
    return measure_zip(target, seconds)


def our_build(project: Path, work: Path, pip_cache: Path) -> Measure:
    """``manage.py lambda_deploy --skip-static --build-only PATH`` (the zip lands in ``work``).

    Before lambda_deploy exists, ``package.build_package`` through ``manage.py
    shell``: the same build, without the command's check step.
    """
    target = work / "django-lambda.zip"
    target.unlink(missing_ok=True)
    if importlib.util.find_spec("django_lambda.management.commands.lambda_deploy"):
        command = ["lambda_deploy", "--skip-static", "--build-only", str(target)]
    else:
        command = [
            "shell",
            "-c",
            "from pathlib import Path; from django_lambda.package import build_package; "
            "from django_lambda.conf import deploy_config; "
            f"build_package(deploy_config(), output=Path({str(target)!r}))",
        ]
    seconds = run([sys.executable, "manage.py", *command], cwd=project, pip_cache=pip_cache)
    return measure_zip(target, seconds)


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    measured: dict[str, tuple[Measure, Measure]] = {}
    with tempfile.TemporaryDirectory(prefix="django-lambda-bench-") as tmp:
        work = Path(tmp)
        project = make_project(work)
        requirements = [
            line.strip()
            for line in (project / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        builds: dict[str, Callable[[Path], Measure]] = {
            "talk's recipe": lambda cache: talk_recipe(project, work, cache),
            "django-lambda build": lambda cache: our_build(project, work, cache),
        }
        for name, build in builds.items():
            pip_cache = work / f"pip-cache-{len(measured)}"
            cold, warm = build(pip_cache), build(pip_cache)
            if (cold.unzipped, cold.files) != (warm.unzipped, warm.files):
                raise SystemExit(f"{name}: the warm build differs from the cold one: {cold} {warm}")
            measured[name] = (cold, warm)
        kind = "the demo site" if (project / "demo_site").is_dir() else "a small project"

    rows: list[list[object]] = [
        [
            name,
            megabytes(cold.zipped),
            megabytes(cold.unzipped),
            cold.files,
            f"{cold.seconds:.1f} s",
            f"{warm.seconds:.1f} s",
        ]
        for name, (cold, warm) in measured.items()
    ]
    (talk, talk_warm), (ours, ours_warm) = measured.values()
    ratios = [
        ours.zipped / talk.zipped,
        ours.unzipped / talk.unzipped,
        ours.files / talk.files,
        ours.seconds / talk.seconds,
        ours_warm.seconds / talk_warm.seconds,
    ]
    rows.append(["ratio (ours / talk's)", *(f"{ratio:.2f}x" for ratio in ratios)])
    write("## Package")
    write()
    write(f"Built from {kind} with requirements {', '.join(requirements)}. {machine()}.")
    write()
    write(table(["build", "zipped", "unzipped", "files", "cold build", "warm build"], rows))
    write()


if __name__ == "__main__":
    main()
