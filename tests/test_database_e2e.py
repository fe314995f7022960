"""A site on PostgreSQL, end to end: built by ``lambda_deploy --build-only`` with psycopg from
its requirements, then run from the built package under the runtime client, as nobody with a
read-only task root, talking to a throwaway cluster on 127.0.0.1 (``tests/postgres.py``);
its uploads go to a private bucket in the sandbox's S3.
"""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from django_lambda import sandbox
from django_lambda.sandbox.server import SandboxInfo, ensure_running
from tests.browser import browser_page
from tests.notes_site import make_site, make_wheels, manage, site_environment
from tests.postgres import Postgres
from tests.serving import Server, fetch

pytestmark = pytest.mark.slow

ADMIN_PASSWORD = "correct horse battery staple"


@dataclass
class Site:
    """The built site, its database, and the environment its commands run with."""

    project: Path
    wheels: Path
    database: str
    variables: dict[str, str] = field(default_factory=dict)
    build_output: str = ""

    def manage(self, *args: str, **variables: str) -> str:
        done = manage(self.project, self.wheels, *args, **self.variables, **variables)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def serve(self, *args: str, **variables: str) -> Server:
        """lambda_serve with one execution environment, so requests share its process."""
        environment = site_environment(self.project, self.wheels, **self.variables, **variables)
        return Server("--concurrency", "1", *args, env=environment, cwd=self.project)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, postgres: Postgres) -> Site:
    base = tmp_path_factory.mktemp("notes")
    database = postgres.create_database(f"notes_{uuid.uuid4().hex[:12]}")
    site = Site(
        make_site(base / "site"),
        make_wheels(base / "wheels"),
        database,
        {
            "DB_HOST": postgres.host,
            "DB_PORT": str(postgres.port),
            "DB_NAME": database,
            "DB_USER": postgres.user,
            "DB_PASSWORD": postgres.password,
            "DJANGO_SUPERUSER_USERNAME": "admin",
            "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
            "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        },
    )
    site.build_output = site.manage("lambda_deploy", "--build-only")
    return site


@pytest.fixture(scope="module")
def migrated(site: Site) -> str:
    """``migrate`` run in the function: its output."""
    return site.manage("lambda_invoke", "--local", "--manage", "migrate --noinput")


def test_the_package_holds_psycopg_for_lambda_and_no_secret(site: Site) -> None:
    assert "Successfully installed" in site.build_output
    assert "psycopg-binary-" in site.build_output
    package = site.project / ".lambda" / "package.zip"
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        blob = b"".join(archive.read(name) for name in names)
    # psycopg's C implementation and its own libpq, from the manylinux wheel.
    assert any(name.startswith("psycopg_binary/_psycopg.") for name in names)
    assert any(name.startswith("psycopg_binary.libs/libpq") for name in names)
    assert "psycopg/__init__.py" in names
    assert "storages/backends/s3.py" in names
    # The database's password is the function's environment, never the package's.
    assert site.variables["DB_PASSWORD"].encode() not in blob
    assert ADMIN_PASSWORD.encode() not in blob


def test_migrate_in_the_function_creates_the_tables(
    site: Site, migrated: str, postgres: Postgres
) -> None:
    assert "Applying notes.0001_initial... OK" in migrated
    assert "Applying auth.0001_initial... OK" in migrated
    with postgres.connect(site.database) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
    assert {"notes_note", "auth_user", "django_session", "django_migrations"} <= tables


def test_a_view_writes_and_reads_rows(site: Site, migrated: str, postgres: Postgres) -> None:
    body = urllib.parse.urlencode({"text": "written by the function"})
    out = site.manage(
        "lambda_invoke",
        "--local",
        "POST",
        "/notes/",
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        "-d",
        body,
    )
    head, _, payload = out.partition("\n\n")
    assert head.startswith("HTTP/1.1 200 OK")
    texts = [note["text"] for note in json.loads(payload)["notes"]]
    assert "written by the function" in texts
    with postgres.connect(site.database) as connection:
        rows = connection.execute("SELECT text FROM notes_note").fetchall()
    assert ("written by the function",) in rows


def test_createsuperuser_from_the_environment(
    site: Site, migrated: str, postgres: Postgres
) -> None:
    out = site.manage("lambda_invoke", "--local", "--manage", "createsuperuser --noinput")
    assert "Superuser created successfully." in out
    with postgres.connect(site.database) as connection:
        row = connection.execute(
            "SELECT email, is_superuser, password FROM auth_user WHERE username = 'admin'"
        ).fetchone()
    assert row is not None
    email, is_superuser, password = row
    assert (email, is_superuser) == ("admin@example.com", True)
    assert password.startswith(("pbkdf2_sha256$", "argon2", "scrypt"))


@pytest.fixture
def admin(site: Site, migrated: str, postgres: Postgres) -> None:
    """The superuser, made here if another test has not (each worker has its own database)."""
    with postgres.connect(site.database) as connection:
        exists = connection.execute("SELECT 1 FROM auth_user WHERE username = 'admin'").fetchone()
    if not exists:
        site.manage("lambda_invoke", "--local", "--manage", "createsuperuser --noinput")


@pytest.fixture
def server(site: Site, admin: None) -> Iterator[Server]:
    server = site.serve()
    yield server
    if server.process.poll() is None:
        assert server.stop(signal.SIGTERM) == 0


def test_log_into_the_admin_in_a_browser(server: Server) -> None:
    with browser_page() as page:
        page.goto(server.url + "/admin/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", ADMIN_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_load_state()
        index_title = page.title()
        # The model's admin pages read the table through the same connection settings.
        page.goto(server.url + "/admin/notes/note/")
        notes_title = page.title()

    assert index_title == "Site administration | Django site admin"
    assert notes_title.startswith("Select note to change")


@pytest.mark.parametrize("health_checks", [True, False], ids=["health-checks", "no-health-checks"])
def test_a_connection_closed_while_frozen(
    site: Site, migrated: str, postgres: Postgres, health_checks: bool
) -> None:
    """A warm environment keeps its connection (CONN_MAX_AGE = None); the database closes it
    between two requests, as it or RDS Proxy does to a client idle too long while Lambda
    keeps the environment frozen. With CONN_HEALTH_CHECKS the next request reconnects;
    without (what W109 warns about), it fails."""
    server = site.serve(DB_CONN_MAX_AGE="None", DB_CONN_HEALTH_CHECKS="1" if health_checks else "0")
    try:
        status, _, body = fetch(server, "/notes/")
        assert status == 200, body
        first = json.loads(body)["backend"]
        # The response is sent and the connection is still open, kept for the next request.
        assert first in postgres.backends(site.database)
        assert first in postgres.terminate(site.database)

        status, _, body = fetch(server, "/notes/")
        if health_checks:
            assert status == 200, body
            assert json.loads(body)["backend"] != first
        else:
            assert status == 500
            # The function's log says why.
            server.wait_for("terminating connection due to administrator command")
    finally:
        assert server.stop(signal.SIGTERM) == 0


# --- Media: uploads go to a private S3 bucket, read back through signed URLs ------------------

MEDIA_BUCKET = "notes-media"
UPLOAD = b"%PDF-1.4 an upload\x00\xff" + bytes(range(256))


@pytest.fixture(scope="module")
def sandbox_s3(site: Site) -> Iterator[SandboxInfo]:
    """The sandbox (moto's server on 127.0.0.1) of the site's project."""
    yield ensure_running(site.project)
    sandbox.stop(site.project)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_an_upload_lands_in_a_private_bucket_and_reads_back_by_a_signed_url(
    site: Site, migrated: str, sandbox_s3: SandboxInfo
) -> None:
    s3 = sandbox_s3.client("s3")
    # Made by its owner, private, holding a file already.
    s3.create_bucket(Bucket=MEDIA_BUCKET)
    s3.put_object(Bucket=MEDIA_BUCKET, Key="kept.txt", Body=b"kept")
    # Deployed to the sandbox, the function talks to its S3 (AWS_ENDPOINT_URL).
    site.manage("lambda_deploy", "--sandbox", MEDIA_BUCKET=MEDIA_BUCKET)
    server = site.serve("--sandbox")
    try:
        body, content_type = multipart(
            {"text": "with a file"}, {"attachment": ("report.pdf", UPLOAD)}
        )
        status, _, answer = fetch_with(server, "/notes/", body, content_type)
    finally:
        assert server.stop(signal.SIGTERM) == 0
    assert status == 200, answer
    [url] = [
        note["attachment"] for note in json.loads(answer)["notes"] if note["text"] == "with a file"
    ]

    # In the bucket, under upload_to, with the bytes sent.
    stored = s3.get_object(Bucket=MEDIA_BUCKET, Key="notes/report.pdf")["Body"].read()
    assert stored == UPLOAD
    # The URL the site hands out is signed, and reads the file back.
    assert url.startswith(f"{sandbox_s3.endpoint_url}/{MEDIA_BUCKET}/notes/report.pdf?")
    assert "Signature=" in url or "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.read() == UPLOAD
    # Without its signature, the bucket refuses.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.split("?")[0], timeout=60)
    assert refused.value.code == 403

    # lambda_deploy left the media bucket as it was: no policy, nothing taken or added.
    with pytest.raises(ClientError) as no_policy:
        s3.get_bucket_policy(Bucket=MEDIA_BUCKET)
    assert no_policy.value.response["Error"]["Code"] == "NoSuchBucketPolicy"
    listed = s3.list_objects_v2(Bucket=MEDIA_BUCKET)["Contents"]
    assert sorted(item["Key"] for item in listed) == ["kept.txt", "notes/report.pdf"]
    assert s3.get_object(Bucket=MEDIA_BUCKET, Key="kept.txt")["Body"].read() == b"kept"


def fetch_with(
    server: Server, path: str, body: bytes, content_type: str
) -> tuple[int, dict[str, list[str]], bytes]:
    request = urllib.request.Request(
        server.url + path, data=body, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {}, error.read()
