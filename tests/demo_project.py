"""A copy of this checkout's demo project, as a reader who clones it has it (for the demo's
end-to-end tests and ``docs/transcripts.py``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("manage.py", "requirements.txt", "demo_site", "django_lambda")


def copy_project(target: Path) -> Path:
    """Copy the demo into ``target``, its requirements pinned to the running Django."""
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    # The package's Django must be the deploy's (a build error otherwise), and
    # "Django>=4.2" gives the newest for the runtime: the matrix runs older ones too.
    requirements = target / "requirements.txt"
    pinned = re.sub(r"(?m)^Django>=\S+$", f"Django=={django.__version__}", requirements.read_text())
    if pinned == requirements.read_text():
        raise AssertionError("requirements.txt lists no Django>=...")
    requirements.write_text(pinned)
    return target
