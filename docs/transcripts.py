"""Regenerate every console transcript in the documentation from real runs of the demo.

    python docs/transcripts.py            # rewrite docs/transcripts/*.txt
    python docs/transcripts.py --check    # exit 1 and show the difference if they are stale

Each transcript is one or more commands run, as a reader would, in a copy of
this checkout's demo (``manage.py``, ``demo_site``, ``django_lambda``) against
the sandbox, in the order of the tutorial: deploy, invoke, a remote command,
a change deployed again, a rollback, local runs, ``lambda_serve``, and the
sandbox's end. NASA's picture is not fetched (``STARS_APOD_URL=""``), so no run
reaches the network beyond pip.

What differs from run to run is normalised as it is written: the copy's path
(as ``/home/me/django-lambda``), loopback ports, process ids, request ids,
dates, Function URL ids and the package's ``CodeSha256``. ``--check`` (and
``tests/test_docs.py``) compare after also masking what varies with the
machine's speed and the day's PyPI: durations, sizes, file counts and
versions. So a transcript shows real numbers from the run that wrote it, and
goes stale only when what a command says changes.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this directory comes first on sys.path, not the checkout.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.demo_project import copy_project  # noqa: E402

TRANSCRIPTS = ROOT / "docs" / "transcripts"
SHOWN_PROJECT = "/home/me/django-lambda"
TIMEOUT = 600

# Written into the transcripts: what no two runs share.
STABLE: list[tuple[str, str]] = [
    (r"moto's server at http://127\.0\.0\.1:\d+", "moto's server at http://127.0.0.1:5000"),
    (r"(127\.0\.0\.1|localhost):(?!5000\b)\d+", r"\1:8000"),
    (r"\bpids \d+(, \d+)*", "pids 2288, 2293"),
    (r"\bpid \d+", "pid 2288"),
    (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<request-id>"),
    (r"\[\d\d/\w{3}/\d{4} \d\d:\d\d:\d\d\]", "[30/Nov/2026 14:45:04]"),
    (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "2026-11-30T14:45:04.228Z"),
    (r"https://[0-9a-z]{32}\.lambda-url\.", "https://<url-id>.lambda-url."),
    (r"CodeSha256 \S+", "CodeSha256 <sha256>"),
    (r"\b[0-9a-f]{64}\b", "<sha256>"),
    (r"unpacked/[0-9a-f]{16}", "unpacked/<sha>"),
]
# Masked only to compare: what varies with the machine and the day's PyPI.
VOLATILE: list[tuple[str, str]] = [
    (r"\d+(\.\d+)? ?(ms|s)\b", "<time>"),
    (r"\d+(\.\d+)? (MB|KB|bytes)", "<size>"),
    (r"\b\d+ files\b", "<n> files"),
    (r"\b(\d+\.)+\d+\b", "<version>"),
    (r"\bline \d+", "line <n>"),
]


def normalise(text: str, project: Path, rules: list[tuple[str, str]] = STABLE) -> str:
    text = text.replace(str(project.resolve()), SHOWN_PROJECT).replace(str(project), SHOWN_PROJECT)
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text)
    return text


def comparable(text: str) -> str:
    """``text`` (already normalised) with what varies between machines masked."""
    for pattern, replacement in VOLATILE:
        text = re.sub(pattern, replacement, text)
    return text


def environment() -> dict[str, str]:
    """This process's environment without its AWS, Django and demo settings."""
    prefixes = ("AWS_", "DJANGO_", "STARS_")
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith(prefixes)},
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
        "STARS_APOD_URL": "",
        "COLUMNS": "100",
    }


class Session:
    """Commands run in the copied project; each one's transcript text."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.env = environment()

    def run(self, *args: str, expect: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if done.returncode != expect:
            raise SystemExit(
                f"manage.py {' '.join(args)} exited with {done.returncode}, not {expect}:\n"
                + done.stdout
            )
        return f"$ python manage.py {' '.join(args)}\n{done.stdout}"

    def serve(self, paths: list[str]) -> str:
        """lambda_serve --sandbox, the requests for ``paths``, then Ctrl-C."""
        args = ["lambda_serve", "--sandbox", "--port", "0"]
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        lines = []
        try:
            for line in process.stdout:
                lines.append(line)
                match = re.search(r" at (http://127\.0\.0\.1:\d+)/ \(Ctrl-C to stop\)", line)
                if match:
                    break
            else:
                raise SystemExit("lambda_serve ended before serving:\n" + "".join(lines))
            for path in paths:
                fetch(match.group(1) + path)
            time.sleep(0.5)  # the request log is written after the response
        finally:
            process.send_signal(signal.SIGINT)
            rest, _ = process.communicate(timeout=60)
        shown = ["lambda_serve", "--sandbox", "--port", "8000"]
        rest = rest.replace("Stopping.", "^CStopping.")
        return f"$ python manage.py {' '.join(shown)}\n" + "".join(lines) + rest


def fetch(url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
    except urllib.error.HTTPError as error:
        error.read()


def scenes(session: Session) -> Iterator[tuple[str, Callable[[], str]]]:
    """(file name, what makes its text), in the order they must run."""
    yield "deploy", lambda: session.run("lambda_deploy", "--sandbox")
    yield (
        "invoke",
        lambda: session.run(
            "lambda_invoke", "--sandbox", "GET", "/", "-o", ".lambda/demo-index.html"
        ),
    )
    yield "manage", lambda: session.run("lambda_invoke", "--sandbox", "--manage", "check")

    def redeploy() -> str:
        views = session.project / "demo_site" / "stars" / "views.py"
        views.write_text(views.read_text() + "\n# A change, to deploy again.\n")
        return session.run("lambda_deploy", "--sandbox")

    yield "redeploy", redeploy
    yield "rollback", lambda: session.run("lambda_deploy", "--sandbox", "--rollback")
    yield (
        "local",
        lambda: session.run(
            "lambda_invoke", "--local", "GET", "/", "-o", ".lambda/local-index.html"
        ),
    )

    def unknown_event() -> str:
        # In the build directory, which never ships: the package stays current.
        (session.project / ".lambda" / "event.json").write_text('{"hello": "world"}\n')
        command = session.run("lambda_invoke", "--local", "--event", ".lambda/event.json", expect=1)
        return '$ echo \'{"hello": "world"}\' > .lambda/event.json\n' + command

    yield "local-event", unknown_event
    yield "serve", lambda: session.serve(["/", "/", "/nope/"])
    yield "stop", lambda: session.run("lambda_deploy", "--sandbox-stop")


@contextmanager
def demo_copy() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="django-lambda-transcripts-") as directory:
        project = copy_project(Path(directory))
        try:
            yield project
        finally:
            # Never leave a sandbox behind, whatever failed.
            subprocess.run(
                [sys.executable, "manage.py", "lambda_deploy", "--sandbox-stop"],
                cwd=project,
                env=environment(),
                capture_output=True,
                check=False,
            )


def fresh() -> dict[str, str]:
    """Every transcript, from a run made now, normalised."""
    texts = {}
    with demo_copy() as project:
        session = Session(project)
        for name, make in scenes(session):
            texts[name] = normalise(make(), project)
    return texts


def stale(texts: dict[str, str]) -> str:
    """The differences between the committed transcripts and ``texts`` ('' if none)."""
    out = []
    committed = {path.stem for path in TRANSCRIPTS.glob("*.txt")}
    for name in sorted(committed - set(texts)):
        out.append(f"docs/transcripts/{name}.txt is no longer made by docs/transcripts.py\n")
    for name, text in texts.items():
        path = TRANSCRIPTS / f"{name}.txt"
        old = path.read_text() if path.exists() else ""
        if comparable(old) != comparable(text):
            out.extend(
                difflib.unified_diff(
                    comparable(old).splitlines(keepends=True),
                    comparable(text).splitlines(keepends=True),
                    f"docs/transcripts/{name}.txt (committed)",
                    f"docs/transcripts/{name}.txt (fresh run)",
                )
            )
    return "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Compare; write nothing.")
    check = parser.parse_args().check
    texts = fresh()
    if check:
        difference = stale(texts)
        sys.stdout.write(difference or "The transcripts are current.\n")
        return 1 if difference else 0
    TRANSCRIPTS.mkdir(exist_ok=True)
    for path in TRANSCRIPTS.glob("*.txt"):
        if path.stem not in texts:
            path.unlink()
    for name, text in texts.items():
        (TRANSCRIPTS / f"{name}.txt").write_text(text)
    print(f"Wrote {len(texts)} transcripts to {TRANSCRIPTS.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
