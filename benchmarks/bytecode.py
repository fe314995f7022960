"""Cold start with and without bytecode in the package: the init phase under the local runtime.

Lambda's /var/task is read-only, so without bytecode in the package every
cold start compiles each module it imports (Django's and the project's) from
source. The same project as ``package.py`` is built twice, with
``COMPILE`` on and off, and each package is started as ``lambda_invoke
--local`` starts it (``python -I -S -B`` under awslambdaric: nothing but the
package on the path, no bytecode written); the init phase is timed the way
Lambda reports its Init Duration. Starts alternate between the two packages.
Run alone with ``python benchmarks/bytecode.py``; pip needs PyPI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, machine, table, write
from benchmarks.package import make_project, measure_zip, megabytes

# Runs in the project (``manage.py shell -c``): one build, its settings module.
BUILD = """
import dataclasses, json, os
from pathlib import Path
from django_lambda.package import build_package
from django_lambda.conf import deploy_config
config = dataclasses.replace(deploy_config(), compile={compile})
build_package(config, output=Path({output!r}))
print(json.dumps(os.environ["DJANGO_SETTINGS_MODULE"]))
"""


def build(project: Path, output: Path, *, compile_: bool) -> str:
    """Build ``project`` into ``output``; return its settings module."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = BUILD.format(compile=compile_, output=str(output))
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"The build failed in {project}:\n{done.stdout}\n{done.stderr}")
    settings_module: str = json.loads(done.stdout.strip().splitlines()[-1])
    return settings_module


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=9, help="cold starts of each package")
    options = parser.parse_args(argv)
    from django_lambda.local import LocalFunction

    with tempfile.TemporaryDirectory(prefix="django-lambda-bench-") as tmp:
        work = Path(tmp)
        project = make_project(work)
        packages = {"sources only (COMPILE False)": work / "sources.zip"}
        packages["with bytecode (COMPILE True)"] = work / "bytecode.zip"
        settings_module = ""
        for name, zip_path in packages.items():
            settings_module = build(project, zip_path, compile_="bytecode" in name)
        environment = {"DJANGO_SETTINGS_MODULE": settings_module}
        inits: dict[str, list[float]] = {name: [] for name in packages}
        for _ in range(options.starts):
            for name, zip_path in packages.items():
                with LocalFunction(zip_path, environment=environment) as function:
                    inits[name].append(function.start())
        sizes = {name: measure_zip(zip_path, 0.0) for name, zip_path in packages.items()}
        kind = "the demo site" if (project / "demo_site").is_dir() else "a small project"

    baseline = statistics.median(inits[next(iter(packages))])
    rows = [
        [
            name,
            megabytes(sizes[name].zipped),
            megabytes(sizes[name].unzipped),
            sizes[name].files,
            f"{statistics.median(times) * 1000:.0f} ms",
            f"{min(times) * 1000:.0f} ms",
            f"{statistics.median(times) / baseline:.2f}x",
        ]
        for name, times in inits.items()
    ]
    write("## Cold start with bytecode")
    write()
    write(
        f"Init phase of {kind}'s package under the local runtime, {options.starts} cold "
        f"starts each. {machine()}."
    )
    write()
    headers = ["package", "zipped", "unzipped", "files", "init (median)", "init (min)", "ratio"]
    write(table(headers, rows))
    write()


if __name__ == "__main__":
    main()
