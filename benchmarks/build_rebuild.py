"""Cold build vs warm rebuild of a small Django project's package, printed as a table.

    python benchmarks/build_rebuild.py [REQUIREMENT ...]   (default: Django django-storages)

pip fetches the requirements through its usual configuration (index,
PIP_FIND_LINKS, ...). The project lives in a temporary directory.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import django
from django.conf import settings


def main(requirements: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        (project / "requirements.txt").write_text("\n".join(requirements) + "\n")
        (project / "mysite").mkdir()
        (project / "mysite" / "__init__.py").write_text("")
        (project / "mysite" / "settings.py").write_text("SECRET_KEY = 'bench'\n")
        settings.configure(DJANGO_LAMBDA={"PROJECT_DIR": str(project)}, INSTALLED_APPS=[])
        django.setup()
        from django_lambda.build import build_package, format_size

        timings = []
        for label in ("cold (pip install)", "warm", "warm, one file changed"):
            if label.startswith("warm, one"):
                (project / "mysite" / "views.py").write_text("# changed\n")
            start = time.perf_counter()
            result = build_package()
            timings.append((label, time.perf_counter() - start))
        cold = timings[0][1]
        print(
            f"package: {format_size(result.zipped_size)} zipped, "
            f"{format_size(result.unzipped_size)} unzipped"
        )
        print(f"{'build':<26}{'seconds':>9}{'vs cold':>9}")
        for label, seconds in timings:
            print(f"{label:<26}{seconds:>9.2f}{seconds / cold:>9.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["Django", "django-storages"])
