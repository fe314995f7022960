"""lambda_serve and a site configured for production as the README recommends (ALLOWED_HOSTS
only the Function URL's domain, SECURE_SSL_REDIRECT, secure cookies, no CSRF_TRUSTED_ORIGINS):
a real browser logs into the Django admin through it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.django_site import make_site
from tests.serving import ROOT, Server

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"

# Run in the site's project: the database the package ships, with an admin user.
SEED = f"""
import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User

User.objects.create_superuser("admin", "admin@example.com", {PASSWORD!r})
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("production")
    database = Path(f"/tmp/django-lambda-admin-{uuid.uuid4().hex}.sqlite3")
    project = make_site(base / "site", database=database, production=True)
    subprocess.run(
        [sys.executable, "-c", SEED],
        cwd=project,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "starsite.production",
            "PYTHONPATH": str(project),
        },
        check=True,
        timeout=120,
    )
    yield project
    database.unlink(missing_ok=True)  # left on this machine where /tmp is not the function's


@pytest.fixture
def server(site: Path) -> Iterator[Server]:
    # One environment: on Lambda as here, each has its own /tmp, so its own database.
    server = Server(
        "--concurrency",
        "1",
        env={
            "DJANGO_SETTINGS_MODULE": "starsite.production",
            "PYTHONPATH": f"{site}{os.pathsep}{ROOT}",
            "PIP_NO_INDEX": "1",
        },
    )
    yield server
    if server.process.poll() is None:
        assert server.stop(signal.SIGTERM) == 0


def test_log_into_the_admin_in_a_browser(server: Server) -> None:
    with browser_page() as page:
        # Pages render: the admin sends an anonymous visitor to its login form.
        page.goto(server.url + "/admin/")
        login_url = page.url
        login_title = page.title()

        # The form submits (CSRF checks the Origin), the session sticks.
        page.fill("#id_username", "admin")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_load_state()
        index_url, index_title = page.url, page.title()
        cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}

        # An absolute redirect to the function's host stays on this server.
        page.goto(server.url + "/elsewhere/")
        elsewhere_url, elsewhere_title = page.url, page.title()

        # Logging out is a POST form too.
        page.click("#logout-form button")
        page.wait_for_load_state()
        logout_title = page.title()

    assert login_url == server.url + "/admin/login/?next=/admin/"
    assert login_title == "Log in | Django site admin"
    assert (index_url, index_title) == (
        server.url + "/admin/",
        "Site administration | Django site admin",
    )
    assert cookies["sessionid"]["secure"] and cookies["csrftoken"]["secure"]
    assert cookies["sessionid"]["domain"] == "127.0.0.1"
    assert (elsewhere_url, elsewhere_title) == (index_url, index_title)
    assert logout_title == "Logged out | Django site admin"

    assert server.stop(signal.SIGTERM) == 0
    log = "\n".join(server.output)
    assert re.search(
        r"Requests reach the function as https://[0-9a-f]{32}\.lambda-url\.eu-west-3\.on\.aws/", log
    )
    assert "Forbidden" not in log
    assert not re.search(r'" (400|403|500) ', log)
