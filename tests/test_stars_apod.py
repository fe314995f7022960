"""The demo's picture of the day: the page reads it from the store and never waits on NASA;
the background task fetches NASA's entry into the store.

No test here reaches NASA or S3: urlopen is patched, or points at a port on
127.0.0.1, and the store's bucket is moto's (``mock_aws``).
"""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import django
import pytest
from django.test import Client, modify_settings, override_settings
from moto import mock_aws

from demo_site.stars import apod, tasks, views

NASA_URL = "https://api.nasa.gov/planetary/apod?api_key=DEMO_KEY"
STORE_URL = "https://stars-static.s3.us-east-1.amazonaws.com/stars/apod.json"
BUCKET, KEY = "stars-static", "stars/apod.json"
IMMEDIATE_BACKEND = (
    "django.tasks.backends.immediate.ImmediateBackend"
    if django.VERSION >= (6, 0)
    else "django_tasks.backends.immediate.ImmediateBackend"
)

NASA_ENTRY = {
    "date": "2024-03-01",
    "title": "Fake Nebula For Tests",
    "explanation": "An entry that only this test knows.",
    "media_type": "image",
    "url": "https://apod.nasa.gov/apod/image/2403/fake_nebula.jpg",
    "hdurl": "https://apod.nasa.gov/apod/image/2403/fake_nebula_big.jpg",
    "service_version": "v1",
}


@pytest.fixture(autouse=True)
def stars_site() -> Iterator[None]:
    apod.clear_cache()
    with (
        modify_settings(INSTALLED_APPS={"append": "demo_site.stars"}),
        override_settings(
            ROOT_URLCONF="demo_site.urls",
            STARS_APOD_URL=NASA_URL,
            STARS_APOD_STORE_URL=STORE_URL,
            STARS_APOD_BUCKET=BUCKET,
            STARS_APOD_KEY=KEY,
            AWS_REGION="us-east-1",
            AWS_ENDPOINT_URL=None,
            TASKS={"default": {"BACKEND": IMMEDIATE_BACKEND}},
            TEMPLATES=[
                {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
            ],
        ),
    ):
        yield
    apod.clear_cache()


class FakeResponse(io.BytesIO):
    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Answer = bytes | Exception | Callable[[], bytes]


def fake_urlopen(calls: list[tuple[str, float]], answers: dict[str, Answer]) -> Any:
    """urlopen answering each URL with its bytes, its exception, or what its function returns."""

    def urlopen(request: urllib.request.Request, timeout: float) -> FakeResponse:
        calls.append((request.full_url, timeout))
        answer = answers[request.full_url]
        if isinstance(answer, Exception):
            raise answer
        return FakeResponse(answer if isinstance(answer, bytes) else answer())

    return urlopen


def http_error(url: str, code: int) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(url, code, "Error", {}, None)  # type: ignore[arg-type]


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each refresh the page asks for, instead of enqueuing the task."""
    asked: list[str] = []
    monkeypatch.setattr(views, "refresh_picture", lambda: asked.append(apod.nasa_today()))
    return asked


def get_page() -> str:
    response = Client().get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_nothing_stored_shows_the_sample_and_asks_for_a_refresh(
    monkeypatch: pytest.MonkeyPatch, refreshes: list[str]
) -> None:
    calls: list[tuple[str, float]] = []
    # A public bucket answers 403 for a key it does not have.
    monkeypatch.setattr(
        urllib.request, "urlopen", fake_urlopen(calls, {STORE_URL: http_error(STORE_URL, 403)})
    )

    page = get_page()

    # The page read the store, with the short timeout, and never NASA.
    assert calls == [(STORE_URL, 1.0)]
    assert refreshes == [apod.nasa_today()]
    assert 'data-source="sample"' in page
    assert (
        "Bundled sample: no picture is stored yet; a background task is fetching "
        "today&#x27;s from NASA." in page
    )
    assert 'src="/static/stars/apod-sample.svg"' in page


@pytest.mark.parametrize("nasas_day", ["2026-11-30", "2026-12-01"], ids=["today", "NASA's next"])
def test_todays_stored_entry_is_shown_without_a_refresh(
    monkeypatch: pytest.MonkeyPatch, refreshes: list[str], nasas_day: str
) -> None:
    calls: list[tuple[str, float]] = []
    # NASA's next day: in summer, NASA's day starts an hour before nasa_today()'s.
    monkeypatch.setattr(apod, "nasa_today", lambda: "2026-11-30")
    stored = json.dumps({**NASA_ENTRY, "date": nasas_day}).encode()
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(calls, {STORE_URL: stored}))

    page = get_page()
    get_page()

    # Today's entry holds until NASA's day ends: one read of the store.
    assert calls == [(STORE_URL, 1.0)]
    assert refreshes == []
    assert 'data-source="nasa"' in page
    assert "Today's, from NASA's APOD API (fetched by a background task)." in page
    assert '<h3 class="apod-title">Fake Nebula For Tests</h3>' in page
    assert f'src="{NASA_ENTRY["url"]}"' in page


def test_an_older_stored_entry_is_shown_while_todays_is_fetched(
    monkeypatch: pytest.MonkeyPatch, refreshes: list[str]
) -> None:
    stored = json.dumps(NASA_ENTRY).encode()
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen([], {STORE_URL: stored}))

    page = get_page()

    assert refreshes == [apod.nasa_today()]
    assert 'data-source="nasa"' in page
    assert (
        "From NASA's APOD API, stored on 2024-03-01; a background task is fetching "
        "today&#x27;s from NASA." in page
    )
    assert '<h3 class="apod-title">Fake Nebula For Tests</h3>' in page


def test_the_refresh_is_asked_for_once_per_process_and_day(
    monkeypatch: pytest.MonkeyPatch, refreshes: list[str]
) -> None:
    calls: list[tuple[str, float]] = []
    monkeypatch.setattr(
        urllib.request, "urlopen", fake_urlopen(calls, {STORE_URL: http_error(STORE_URL, 404)})
    )
    # Every request reads the store again (the refresh may have landed).
    monkeypatch.setitem(apod.RECHECK_SECONDS, "stale", 0.0)
    monkeypatch.setattr(apod, "nasa_today", lambda: "2026-11-30")

    pictures = [apod.picture_of_the_day(NASA_URL, STORE_URL, views.refresh_picture)]
    pictures += [apod.picture_of_the_day(NASA_URL, STORE_URL, views.refresh_picture)]
    pictures += [apod.picture_of_the_day(NASA_URL, STORE_URL, views.refresh_picture)]
    assert len(calls) == 3
    assert refreshes == ["2026-11-30"]
    assert [picture.reason for picture in pictures] == [
        "no picture is stored yet; a background task is fetching today's from NASA",
        "no picture is stored yet; a background task was asked earlier to fetch today's from NASA",
        "no picture is stored yet; a background task was asked earlier to fetch today's from NASA",
    ]

    # NASA's next day: asked again, once.
    monkeypatch.setattr(apod, "nasa_today", lambda: "2026-12-01")
    apod.picture_of_the_day(NASA_URL, STORE_URL, views.refresh_picture)
    apod.picture_of_the_day(NASA_URL, STORE_URL, views.refresh_picture)
    assert refreshes == ["2026-11-30", "2026-12-01"]


def test_a_read_without_todays_entry_is_reused_for_a_few_seconds(
    monkeypatch: pytest.MonkeyPatch, refreshes: list[str]
) -> None:
    calls: list[tuple[str, float]] = []
    monkeypatch.setattr(
        urllib.request, "urlopen", fake_urlopen(calls, {STORE_URL: http_error(STORE_URL, 403)})
    )

    get_page()
    get_page()
    assert len(calls) == 1

    monkeypatch.setitem(apod.RECHECK_SECONDS, "stale", 0.0)
    get_page()
    assert len(calls) == 2


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_store_shows_the_sample_at_once(
    refreshes: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    # A real connection to a port nobody listens on.
    store_url = f"http://127.0.0.1:{closed_port()}/stars/apod.json"

    picture = apod.picture_of_the_day(NASA_URL, store_url, views.refresh_picture)

    assert picture.is_sample
    assert picture.reason.startswith("the picture store could not be reached (")
    assert "Connection refused" in picture.reason
    assert picture.reason.endswith("; a background task is fetching today's from NASA")
    assert refreshes == [apod.nasa_today()]
    assert [record.getMessage() for record in caplog.records] == [
        f"Showing the sample picture: {picture.reason.partition(';')[0]}"
    ]


def test_a_store_whose_name_lookup_hangs_does_not_hold_the_page(
    monkeypatch: pytest.MonkeyPatch, refreshes: list[str]
) -> None:
    # Without a network, resolving a host takes seconds, and urlopen's timeout does not
    # cover it: the lookup here waits until the test is done.
    released = threading.Event()
    looked_up = threading.Event()
    lookups: list[str] = []

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        looked_up.set()
        released.wait(timeout=30)  # if the read is not bounded, the test fails after this
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(apod, "STORE_TIMEOUT_SECONDS", 0.05)
    try:
        page = get_page()
    finally:
        released.set()

    # The read's thread may start only after the request gave up on it (a busy machine).
    assert looked_up.wait(timeout=30)
    assert lookups == ["stars-static.s3.us-east-1.amazonaws.com"]
    assert (
        "Bundled sample: the picture store did not answer within 0.05 s; a background task "
        "is fetching today&#x27;s from NASA." in page
    )
    assert refreshes == [apod.nasa_today()]


def test_a_refresh_that_cannot_be_enqueued_still_shows_the_page(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        urllib.request, "urlopen", fake_urlopen([], {STORE_URL: http_error(STORE_URL, 403)})
    )

    def refresh() -> None:
        raise RuntimeError("no function to invoke")

    monkeypatch.setattr(views, "refresh_picture", refresh)

    page = get_page()

    assert (
        "Bundled sample: no picture is stored yet; asking a background task to fetch "
        "today&#x27;s from NASA failed (RuntimeError: no function to invoke)." in page
    )
    [record] = caplog.records
    assert (record.levelno, record.getMessage()) == (
        logging.ERROR,
        "Could not ask for the picture of the day",
    )
    assert record.exc_info is not None


def test_an_empty_nasa_url_turns_it_all_off(
    monkeypatch: pytest.MonkeyPatch, refreshes: list[str]
) -> None:
    calls: list[tuple[str, float]] = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(calls, {}))

    with override_settings(STARS_APOD_URL=""):
        page = get_page()

    assert (calls, refreshes) == ([], [])
    assert "Bundled sample: fetching from NASA is turned off." in page


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (http_error(NASA_URL, 429), "NASA's API answered HTTP 429"),
        (TimeoutError("timed out"), "NASA's API could not be reached (timed out)"),
        (b"<html>busy</html>", "NASA's API answered with something that is not JSON"),
        (b"[1, 2]", "NASA's API answered with a JSON list, not an object"),
        (
            json.dumps({"date": "2024-03-01", "media_type": "image"}).encode(),
            "NASA's API's entry lacks title, explanation, url",
        ),
    ],
)
def test_every_bad_answer_is_an_error_with_its_reason(
    monkeypatch: pytest.MonkeyPatch, answer: Answer, reason: str
) -> None:
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen([], {NASA_URL: answer}))

    with pytest.raises(apod.ApodError) as raised:
        apod.fetch_entry(NASA_URL, timeout=2.0)

    assert str(raised.value) == reason


@pytest.fixture
def bucket() -> Iterator[Any]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield s3


def stored(s3: Any) -> Any:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())


def test_the_task_stores_nasas_entry(monkeypatch: pytest.MonkeyPatch, bucket: Any) -> None:
    calls: list[tuple[str, float]] = []
    monkeypatch.setattr(
        urllib.request, "urlopen", fake_urlopen(calls, {NASA_URL: json.dumps(NASA_ENTRY).encode()})
    )

    assert tasks.refresh_apod.call() == "2024-03-01"

    # The task may wait on NASA longer than a page would.
    assert calls == [(NASA_URL, tasks.NASA_TIMEOUT_SECONDS)]
    assert stored(bucket) == NASA_ENTRY
    head = bucket.head_object(Bucket=BUCKET, Key=KEY)
    assert (head["ContentType"], head["CacheControl"]) == ("application/json", "public, max-age=60")


def test_the_task_leaves_the_store_alone_when_nasa_fails(
    monkeypatch: pytest.MonkeyPatch, bucket: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bucket.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(NASA_ENTRY).encode())
    offline = urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen([], {NASA_URL: offline}))

    with caplog.at_level(logging.INFO, logger="demo_site"):
        assert tasks.refresh_apod.call() is None

    assert stored(bucket) == NASA_ENTRY
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "The picture store is left as it is: NASA's API could not be reached "
            "([Errno -3] Temporary failure in name resolution)",
        )
    ]


def test_a_request_enqueues_the_task_and_a_later_one_shows_what_it_stored(
    monkeypatch: pytest.MonkeyPatch, bucket: Any
) -> None:
    """The whole loop in one process, with the framework's ImmediateBackend (under
    lambda_serve the task runs in another function process: tests/test_demo_e2e.py)."""

    def read_store() -> bytes:
        try:
            body: bytes = bucket.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
        except bucket.exceptions.NoSuchKey:
            raise http_error(STORE_URL, 403) from None
        return body

    nasa = {**NASA_ENTRY, "date": apod.nasa_today()}
    monkeypatch.setattr(
        urllib.request,
        "urlopen",
        fake_urlopen([], {STORE_URL: read_store, NASA_URL: json.dumps(nasa).encode()}),
    )
    monkeypatch.setitem(apod.RECHECK_SECONDS, "stale", 0.0)

    first = get_page()
    assert 'data-source="sample"' in first
    assert stored(bucket) == nasa

    later = get_page()
    assert 'data-source="nasa"' in later
    assert '<h3 class="apod-title">Fake Nebula For Tests</h3>' in later
