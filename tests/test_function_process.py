"""The function's process runs as Lambda runs code: a read-only task root, a non-root user,
a /tmp of its own (where this machine allows; permissions otherwise), one log record a line."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from django_lambda import local
from tests.local_packages import LOGGING_HANDLER, WRITER_HANDLER, make_zip

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0


def expected_write_error(isolation: local.Isolation | None) -> str:
    """What a write under the task root fails with, for how the process was set up."""
    assert isolation is not None
    if isolation.read_only == "mount":
        return "[Errno 30] Read-only file system"
    return "[Errno 13] Permission denied"


@pytest.fixture
def writer_zip(tmp_path: Path) -> Path:
    return make_zip(tmp_path, WRITER_HANDLER)


def test_the_task_root_is_read_only_and_tmp_is_writable(writer_zip: Path) -> None:
    scratch = f"/tmp/django-lambda-test-{uuid.uuid4().hex}"
    with local.LocalFunction(writer_zip) as function:
        result = function.invoke(
            {"write": ["{task_root}/new.txt", "{task_root}/django_lambda/handler.py", scratch]}
        )
    root = function.task_root
    error = expected_write_error(function.isolation)
    assert result.function_error is None
    assert result.payload["writes"] == {
        f"{root}/new.txt": error,
        f"{root}/django_lambda/handler.py": error,
        scratch: "ok",
    }
    assert not (root / "new.txt").exists()
    assert (root / "django_lambda" / "handler.py").read_text() == textwrap.dedent(WRITER_HANDLER)
    if function.isolation is not None and not function.isolation.private_tmp:
        os.unlink(scratch)  # the machine's /tmp


@pytest.mark.skipif(not IS_ROOT, reason="the command runs as root only in root's test runs")
def test_started_by_root_the_function_runs_as_nobody_in_mounts_of_its_own(
    writer_zip: Path,
) -> None:
    scratch = f"/tmp/django-lambda-test-{uuid.uuid4().hex}"
    with local.LocalFunction(writer_zip) as first, local.LocalFunction(writer_zip) as second:
        wrote = first.invoke({"write": [scratch], "exists": [scratch]})
        seen = second.invoke({"exists": [scratch]})
        isolation = first.isolation
    assert isolation is not None
    nobody_uid = local.unprivileged_user()[0]
    assert wrote.payload["uid"] == isolation.uid == nobody_uid != 0
    assert wrote.payload["writes"] == {scratch: "ok"}
    assert wrote.payload["exists"] == {scratch: True}
    if isolation.refused and isolation.refused.startswith("unshare:"):
        pytest.skip(f"this machine refuses mount namespaces to root: {isolation.refused}")
    assert (isolation.read_only, isolation.private_tmp, isolation.refused) == ("mount", True, None)
    # /tmp is each process's own: neither this machine nor another function sees the file.
    assert not os.path.exists(scratch)
    assert seen.payload["exists"] == {scratch: False}


@pytest.mark.skipif(not IS_ROOT, reason="only root can give the process away to nobody")
def test_without_namespaces_nobody_must_be_able_to_read_the_package(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    package = make_zip(closed, WRITER_HANDLER)
    function = local.LocalFunction(package, mount_namespace=False)
    with pytest.raises(local.LocalRunError) as caught:
        function.start()
    function.close()
    assert str(caught.value).startswith(
        f"The function's process runs as uid {local.unprivileged_user()[0]} and cannot read "
        f"{function.task_root}: "
        "make it and the directories above it readable by every user (chmod o+rX), or run "
        "the command as a user who can read them. (This machine refused a private mount "
        "namespace, where those paths would have been made readable: turned off.)"
    )
    assert function.process is None


# Runs LocalFunction as uid 1000 (of a user namespace mapping it to whoever runs the tests),
# with and without a mount namespace, and prints what the function saw.
AS_ANOTHER_USER = """
import json, os, sys, uuid
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from django_lambda import local

scratch = f"/tmp/django-lambda-test-{uuid.uuid4().hex}"
report = {}
for mount_namespace in (True, False):
    with local.LocalFunction(Path(sys.argv[2]), mount_namespace=mount_namespace) as function:
        result = function.invoke({"write": ["{task_root}/new.txt", scratch]})
    report[str(mount_namespace)] = {
        "isolation": function.isolation.__dict__,
        "payload": result.payload,
        "task_root": str(function.task_root),
        "scratch": scratch,
        "leaked": os.path.exists(scratch),
    }
    if os.path.exists(scratch):
        os.unlink(scratch)
print(json.dumps(report))
"""


def test_a_user_other_than_root_gets_a_user_namespace_or_permissions(writer_zip: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--user", "true"]).returncode != 0:
        pytest.skip("no unshare(1), or no user namespaces for it here")
    completed = subprocess.run(
        [
            unshare,
            "--user",
            "--map-user=1000",
            "--map-group=1000",
            sys.executable,
            "-c",
            AS_ANOTHER_USER,
            str(ROOT),
            str(writer_zip),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    with_namespace, without = report["True"], report["False"]

    assert with_namespace["isolation"] == {
        "uid": 1000,
        "read_only": "mount",
        "private_tmp": True,
        "refused": None,
    }
    root, scratch = with_namespace["task_root"], with_namespace["scratch"]
    assert with_namespace["payload"] == {
        "uid": 1000,
        "writes": {f"{root}/new.txt": "[Errno 30] Read-only file system", scratch: "ok"},
        "exists": {},
    }
    assert with_namespace["leaked"] is False

    assert without["isolation"] == {
        "uid": 1000,
        "read_only": "permissions",
        "private_tmp": False,
        "refused": "turned off",
    }
    assert without["payload"]["writes"] == {
        f"{root}/new.txt": "[Errno 13] Permission denied",
        scratch: "ok",
    }
    assert without["leaked"] is True


def test_every_log_record_starts_a_line(tmp_path: Path) -> None:
    package = make_zip(tmp_path, LOGGING_HANDLER)
    with local.LocalFunction(package) as function:
        text = function.invoke({}).log
        json_log = local.LocalFunction(package, environment={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
        with json_log:
            records = json_log.invoke({}).log

    # The traceback's last line ends its record; the next record starts a line of its own.
    assert "No such file or directory: '/nonexistent/media/images'\n[ERROR]\t" in text
    assert [line.split("\t")[-1] for line in re.findall(r"^\[ERROR\]\t.*$", text, re.M)] == [
        "Internal Server Error: /breads/",
        "second record",
    ]
    assert text.endswith("second record\nprinted\n")

    lines = records.splitlines()
    assert [json.loads(line)["message"] for line in lines[:2]] == [
        "Internal Server Error: /breads/",
        "second record",
    ]
    assert lines[2:] == ["printed"]
