"""End to end: a real Django site whose view enqueues a task with LambdaBackend, built into a
real package and run under awslambdaric; the task runs in another function process.

As in test_end_to_end_local.py, the site's dependencies (Django, and the Tasks
backport where Django has no framework of its own) are copied into the project,
so no test reaches PyPI; the function's boto3 is the runtime's, as on Lambda.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
import shutil
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import django
import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.django_site import make_site

pytestmark = pytest.mark.slow

TASKS_MODULE = """
import os

try:
    from django.tasks import task
except ImportError:
    from django_tasks import task


@task
def note(word):
    print(f"task got {word} in pid {os.getpid()}", flush=True)
    return word.upper()
"""

ENQUEUE_VIEW = """

def enqueue(request):
    import os

    from starsite.tasks import note

    result = note.enqueue(request.GET.get("word", "hello"))
    return HttpResponse(f"enqueued {result.id} in pid {os.getpid()}\\n", content_type="text/plain")


urlpatterns.append(path("enqueue/", enqueue))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("tasks-e2e")
    database = Path(f"/tmp/django-lambda-tasks-e2e-{uuid.uuid4().hex}.sqlite3")
    project = make_site(base / "site", database=database)
    package = project / "starsite"
    (package / "tasks.py").write_text(textwrap.dedent(TASKS_MODULE))
    with (package / "urls.py").open("a") as urls:
        urls.write(textwrap.dedent(ENQUEUE_VIEW))
    with (package / "settings.py").open("a") as settings:
        settings.write('TASKS = {"default": {"BACKEND": "django_lambda.tasks.LambdaBackend"}}\n')
    if django.VERSION < (6, 0):
        import django_stubs_ext
        import django_tasks
        import typing_extensions

        for module in (django_tasks, django_stubs_ext):
            assert module.__file__ is not None
            source = Path(module.__file__).parent
            shutil.copytree(
                source, project / source.name, ignore=shutil.ignore_patterns("__pycache__")
            )
        assert typing_extensions.__file__ is not None
        shutil.copy(typing_extensions.__file__, project)
        # django_tasks reads its own version from its metadata.
        metadata = Path(str(importlib.metadata.distribution("django-tasks").locate_file("")))
        [info] = metadata.glob("django_tasks-*.dist-info")
        shutil.copytree(info, project / info.name)
    yield project
    database.unlink(missing_ok=True)


@pytest.fixture
def site_settings(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.syspath_prepend(str(site))
    with override_settings(
        DJANGO_LAMBDA={
            "FUNCTION_NAME": "stars",
            "PROJECT_DIR": str(site),
            "ENVIRONMENT": {"DJANGO_SETTINGS_MODULE": "starsite.settings"},
            "TASK_RETRIES": 0,
        }
    ):
        yield site


def test_a_task_a_request_enqueues_runs_in_another_function_process(site_settings: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "lambda_invoke", "GET", "/enqueue/?word=stars", "--local", "--log", stdout=out, stderr=err
    )
    response, log = out.getvalue(), out.getvalue() + err.getvalue()
    enqueued = re.search(r"enqueued (\w+) in pid (\d+)", response)
    assert enqueued is not None, log
    ran = re.search(r"task got stars in pid (\d+)", log)
    assert ran is not None, log
    assert ran[1] != enqueued[2]
    # The worker's line: the task's id, and that it succeeded.
    assert re.search(rf'"id": "{enqueued[1]}".*"status": "SUCCESSFUL"', log), log


def test_the_smoke_test_runs_what_its_requests_enqueue(site_settings: Path) -> None:
    setting = {
        "FUNCTION_NAME": "stars",
        "PROJECT_DIR": str(site_settings),
        "ENVIRONMENT": {"DJANGO_SETTINGS_MODULE": "starsite.settings"},
        "SMOKE_TEST_PATHS": ["/enqueue/?word=smoke"],
    }
    out = io.StringIO()
    with override_settings(DJANGO_LAMBDA=setting):
        call_command("lambda_deploy", "--build-only", "-v", "2", stdout=out, stderr=io.StringIO())
    output = out.getvalue()
    assert "GET /enqueue/?word=smoke: 200 OK." in output
    assert re.search(r"task got smoke in pid \d+", output), output
