"""The demo, end to end, as a newcomer runs it: sandbox up, deploy, invoke, serve, sandbox down.

The commands run as separate processes, in a copy of the project, against the
embedded AWS (moto's server), exactly as ``manage.py lambda_demo`` chains
them. The page's NASA fetch is turned off (``STARS_APOD_URL=""``): no test
reaches the network, beyond pip installing the package's requirements.
"""

from __future__ import annotations

import http.server
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from demo_site.stars import apod, mars
from django_lambda import gate
from tests.browser import browser_page
from tests.demo_project import copy_project
from tests.serving import sandbox_processes

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SERVE_TIMEOUT = 120


@dataclass
class Demo:
    project: Path
    env: dict[str, str]
    url: str
    serve_log: list[str]


def manage(demo_project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=demo_project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    project = copy_project(tmp_path_factory.mktemp("demo"))
    env = demo_environment()
    serve: subprocess.Popen[str] | None = None
    try:
        deployed = manage(project, env, "lambda_deploy", "--sandbox")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert (
            "Deployed 'django-lambda-demo' (created the function; published version 1): "
            "'live' on version 1." in deployed.stdout
        )

        serve = subprocess.Popen(
            [sys.executable, "manage.py", "lambda_serve", "--sandbox", "--port", "0"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        log: list[str] = []
        url = wait_for_url(read_lines(serve), log)
        yield Demo(project, env, url, log)
    finally:
        if serve is not None:
            serve.send_signal(signal.SIGINT)
            assert serve.wait(timeout=60) == 0
        stopped = manage(project, env, "lambda_deploy", "--sandbox-stop")
        assert stopped.stdout == "Sandbox stopped.\n", stopped.stdout + stopped.stderr
        assert sandbox_processes(project) == []
        assert not (project / ".lambda" / "sandbox.json").exists()


def demo_environment() -> dict[str, str]:
    """This process's environment without its AWS, Django and demo settings."""
    prefixes = ("AWS_", "DJANGO_", "STARS_")
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith(prefixes)},
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
        "STARS_APOD_URL": "",
    }


def read_lines(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    """The process's output, line by line, read on a thread (None at the end)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_for_url(lines: queue.Queue[str | None], log: list[str]) -> str:
    """The URL lambda_serve prints once it listens."""
    while True:
        line = lines.get(timeout=SERVE_TIMEOUT)
        if line is None:
            raise AssertionError("lambda_serve ended before serving:\n" + "".join(log))
        log.append(line)
        match = re.search(r" at (http://127\.0\.0\.1:\d+)/ \(Ctrl-C to stop\)", line)
        if match:
            return match.group(1)


def drain(lines: queue.Queue[str | None]) -> list[str]:
    rest = []
    while (line := lines.get(timeout=SERVE_TIMEOUT)) is not None:
        rest.append(line)
    return rest


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_invoke_runs_the_deployed_function(demo: Demo) -> None:
    page = manage(demo.project, demo.env, "lambda_invoke", "--sandbox", "GET", "/")
    check = manage(demo.project, demo.env, "lambda_invoke", "--sandbox", "--manage", "check")

    assert page.returncode == 0, page.stderr
    assert page.stdout.startswith("HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\n")
    assert "<title>Stars · django-lambda demo</title>" in page.stdout
    assert "Served by the Lambda function <code>django-lambda-demo</code>" in page.stdout
    assert "Running the code deployed to the sandbox: django-lambda-demo version 1" in page.stderr
    assert (check.returncode, check.stdout) == (
        0,
        "System check identified no issues (0 silenced).\n",
    )
    # The command passed the gate with the key lambda_deploy put in the function's
    # configuration; the key is nowhere else.
    key = deployed_key(demo.project)
    assert key not in page.stdout + page.stderr + check.stdout + check.stderr
    assert key.encode() not in (demo.project / ".lambda" / "package.zip").read_bytes()
    assert not any(key in path.read_text() for path in demo.project.rglob("*.py"))


def test_a_command_without_proof_is_refused(demo: Demo) -> None:
    event = demo.project / ".lambda" / "manage-event.json"
    event.write_text('{"manage": "check"}')
    invoked = manage(demo.project, demo.env, "lambda_invoke", "--sandbox", "--event", str(event))
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout)["stderr"].startswith("Refused: the event carries no proof.")


def deployed_key(project: Path) -> str:
    endpoint = json.loads((project / ".lambda" / "sandbox.json").read_text())["endpoint_url"]
    # The demo's region when the environment names none (demo_site/settings.py).
    client = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    configuration = client.get_function_configuration(
        FunctionName="django-lambda-demo", Qualifier="live"
    )
    return str(configuration["Environment"]["Variables"][gate.KEY_VARIABLE])


def test_the_served_page_and_its_hashed_logo(demo: Demo) -> None:
    status, content_type, body = fetch(demo.url + "/")
    page = body.decode()
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert 'data-source="sample"' in page
    assert '<svg class="wind-rose"' in page

    # The logo's URL is the hashed name from the manifest, on the sandbox's bucket.
    endpoint = json.loads((demo.project / ".lambda" / "sandbox.json").read_text())["endpoint_url"]
    [logo_url] = set(
        re.findall(
            rf'src="({re.escape(endpoint)}/django-lambda-demo-static/static/stars/logo\.[0-9a-f]{{12}}\.svg)"',
            page,
        )
    )
    status, content_type, logo = fetch(logo_url)
    assert (status, content_type) == (200, "image/svg+xml")
    assert logo == (ROOT / "demo_site" / "stars" / "static" / "stars" / "logo.svg").read_bytes()


def test_what_is_served_is_what_was_deployed(demo: Demo) -> None:
    built = (demo.project / ".lambda" / "package.zip").read_bytes()
    served = next(line for line in demo.serve_log if line.startswith("Serving "))
    served_zip = Path(served.split()[1])

    # Downloaded back from the sandbox, not the local build, and the same bytes.
    assert served_zip.parent == demo.project / ".lambda" / "sandbox-packages"
    assert served_zip.read_bytes() == built
    # The manifest shipped in the package (a cold start never reads it from S3).
    with zipfile.ZipFile(served_zip) as package:
        manifest = json.loads(package.read("staticfiles.json"))
    assert re.fullmatch(r"stars/logo\.[0-9a-f]{12}\.svg", manifest["paths"]["stars/logo.svg"])


def test_a_real_browser_renders_the_whole_page(demo: Demo) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(viewport={"width": 1280, "height": 900}) as page:
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(demo.url + "/", wait_until="load")

        title = page.title()
        apod_title = page.text_content(".apod-title")
        sectors = page.locator("svg.wind-rose path.sector").count()
        logo_width = page.eval_on_selector("img.logo", "img => img.naturalWidth")
        picture_width = page.eval_on_selector("img.apod-image", "img => img.naturalWidth")
        # The stylesheet came from the sandbox's bucket and applies.
        background = page.eval_on_selector(
            ".card", "card => getComputedStyle(card).backgroundColor"
        )
        page.screenshot(path=str(ARTIFACTS / "demo-stars.png"), full_page=True)

    assert title == "Stars · django-lambda demo"
    assert apod_title == "A Summer Sky Over a Dark Horizon"
    latest = mars.sols(mars.sample_data())[-1]
    assert sectors == len(latest.sectors) > 0
    assert logo_width == 64
    assert picture_width == 960
    assert background == "rgb(17, 26, 58)"
    assert failed == []


@pytest.mark.parametrize("width", [360, 320])
def test_a_phone_screen_does_not_scroll_sideways(demo: Demo, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(viewport={"width": width, "height": 800}) as page:
        page.goto(demo.url + "/", wait_until="load")
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        too_wide = page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > innerWidth)
                .map(e => e.tagName.toLowerCase() + "." + e.getAttribute("class"))"""
        )
        page.screenshot(path=str(ARTIFACTS / f"demo-stars-{width}.png"), full_page=True)

    assert too_wide == []
    assert scroll_width == client_width == width


def test_the_readme_demo_command(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    env = demo_environment()
    demo_run = subprocess.Popen(
        [sys.executable, "manage.py", "lambda_demo", "--port", "0"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = read_lines(demo_run)
    log: list[str] = []
    try:
        url = wait_for_url(lines, log)
        status, _, body = fetch(url + "/")
        assert status == 200
        assert "<title>Stars · django-lambda demo</title>" in body.decode()
    finally:
        demo_run.send_signal(signal.SIGINT)
        returncode = demo_run.wait(timeout=60)
    log += drain(lines)
    output = "".join(log)
    assert returncode == 0, output
    steps = re.findall(r"^\$ python manage\.py (.*)$", output, re.M)
    assert steps == [
        "lambda_deploy --sandbox",
        f"lambda_invoke --sandbox GET / -o {project / '.lambda' / 'demo-index.html'}",
        "lambda_invoke --sandbox --manage check",
        "lambda_serve --sandbox --port 0",
        "lambda_deploy --sandbox-stop",
    ]
    assert "HTTP/1.1 200 OK" in output
    assert "System check identified no issues (0 silenced)." in output
    assert output.rstrip().endswith("Sandbox stopped.")
    assert sandbox_processes(project) == []


FAKE_APOD = {
    "title": "A Nebula Only This Test Serves",
    "explanation": "Served by the test's own HTTP server on 127.0.0.1, never NASA.",
    "media_type": "image",
    "url": "https://apod.nasa.gov/apod/image/fake/nebula.jpg",
}


@contextmanager
def fake_nasa(entry: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 answering every GET with ``entry``: its URL, and the
    paths it was asked for."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = json.dumps(entry).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/planetary/apod?api_key=DEMO_KEY", asked
    finally:
        server.shutdown()
        server.server_close()


def wait_for_line(lines: queue.Queue[str | None], log: list[str], pattern: str) -> str:
    """The next line of lambda_serve's output that matches ``pattern``."""
    while True:
        line = lines.get(timeout=SERVE_TIMEOUT)
        if line is None:
            raise AssertionError(f"lambda_serve ended before {pattern!r}:\n" + "".join(log))
        log.append(line)
        if re.search(pattern, line):
            return line


def test_the_page_enqueues_the_picture_refresh_and_a_later_request_shows_it(
    tmp_path: Path,
) -> None:
    """Under lambda_serve --sandbox: a request finds no picture stored and enqueues the task;
    it runs in another function process and writes the sandbox's S3; a later request, read
    from the store over HTTP, shows NASA's (here the test's) picture."""
    project = copy_project(tmp_path)
    entry = {**FAKE_APOD, "date": apod.nasa_today()}
    with fake_nasa(entry) as (nasa_url, asked):
        env = {**demo_environment(), "STARS_APOD_URL": nasa_url}
        serve: subprocess.Popen[str] | None = None
        log: list[str] = []
        try:
            deployed = manage(project, env, "lambda_deploy", "--sandbox")
            assert deployed.returncode == 0, deployed.stdout + deployed.stderr
            serve = subprocess.Popen(
                [sys.executable, "manage.py", "lambda_serve", "--sandbox", "--port", "0"],
                cwd=project,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            lines = read_lines(serve)
            url = wait_for_url(lines, log)

            _, _, body = fetch(url + "/")
            first = body.decode()
            assert 'data-source="sample"' in first
            assert (
                "Bundled sample: no picture is stored yet; a background task is fetching "
                "today&#x27;s from NASA." in first
            )

            # The task ran as an asynchronous event, in the serve's other function processes.
            ran = wait_for_line(lines, log, r'"task": "demo_site\.stars\.tasks\.refresh_apod"')
            assert '"status": "SUCCESSFUL"' in ran, "".join(log)
            wait_for_line(lines, log, r"Asynchronous event \S+: done")
            assert asked == ["/planetary/apod?api_key=DEMO_KEY"]
            assert any(f"Stored NASA's picture of {entry['date']}" in line for line in log), log

            endpoint = json.loads((project / ".lambda" / "sandbox.json").read_text())[
                "endpoint_url"
            ]
            s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
            stored = s3.get_object(Bucket="django-lambda-demo-static", Key="stars/apod.json")
            assert json.loads(stored["Body"].read()) == entry

            # A process reads the store again within seconds of finding nothing there.
            for _ in range(60):
                _, _, body = fetch(url + "/")
                later = body.decode()
                if 'data-source="nasa"' in later:
                    break
                threading.Event().wait(1)
            assert 'data-source="nasa"' in later, later
            assert f'<h3 class="apod-title">{entry["title"]}</h3>' in later
            assert "Today's, from NASA's APOD API (fetched by a background task)." in later
            # Enqueued once: the later requests found today's picture, or had asked already.
            assert asked == ["/planetary/apod?api_key=DEMO_KEY"]
        finally:
            if serve is not None:
                serve.send_signal(signal.SIGINT)
                assert serve.wait(timeout=60) == 0, "".join(log)
            stopped = manage(project, env, "lambda_deploy", "--sandbox-stop")
            assert stopped.returncode == 0, stopped.stdout + stopped.stderr
