"""NASA's Astronomy Picture of the Day: fetched by a background task into a store that every
execution environment reads, with a bundled sample while the store has none.

The page never waits on NASA. It reads the picture from the store (a small
JSON object in the static bucket, public like the picture itself) over plain
HTTP(S), with a short timeout and without boto3, and when the store has no
picture for NASA's today it asks the ``refresh_apod`` task
(``demo_site.stars.tasks``) to fetch one, once per process per day. The task
writes NASA's entry to the store; later requests, in any execution
environment, show it.
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# https://api.nasa.gov/ (APOD): DEMO_KEY allows a few dozen requests an hour per address.
DEFAULT_URL = "https://api.nasa.gov/planetary/apod?api_key=DEMO_KEY"
# The store is one request away in the same region: a page that waits longer
# than this for it is worse off than with the sample.
STORE_TIMEOUT_SECONDS = 1.0
# How long a process reuses a read of the store that gave no picture for today
# (the refresh may land any moment), or that failed (each failed read may cost
# the timeout). A picture for today is reused until NASA's day ends.
RECHECK_SECONDS = {"stale": 5.0, "failed": 60.0}
# NASA's day starts at midnight in Washington: UTC-5 (UTC-4 in summer, when
# the next picture is asked for an hour after NASA has it).
NASA_UTC_OFFSET = datetime.timedelta(hours=-5)
REQUIRED_KEYS = ("date", "title", "explanation", "media_type", "url")
SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "apod_sample.json"


class ApodError(Exception):
    """An entry could not be had or used; the message says why."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        # The HTTP status of the answer, when the error is one.
        self.status = status


@dataclass(frozen=True)
class Apod:
    entry: dict[str, Any]
    # "nasa" for NASA's entry (from the store), "sample" for the bundled one.
    source: str
    # Why the sample is shown, or what is stale about NASA's entry; "" for today's.
    reason: str = ""

    @property
    def is_sample(self) -> bool:
        return self.source == "sample"


def demo_setting(name: str) -> Any:
    """One of the demo's own settings (the type checker knows only the test suite's)."""
    return getattr(settings, name)


@cache
def sample_entry() -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))
    return entry


def nasa_today() -> str:
    """NASA's date now, as an entry's ``date`` spells it (``2026-11-30``)."""
    return (datetime.datetime.now(datetime.timezone.utc) + NASA_UTC_OFFSET).date().isoformat()


def fetch_entry(url: str, *, timeout: float, source: str = "NASA's API") -> dict[str, Any]:
    """The APOD entry at ``url``; ``ApodError`` naming ``source`` if it cannot be had
    within ``timeout``.

    urlopen's timeout bounds connecting and reading, not the name lookup before
    them (about 5 s when there is no network), so the fetch runs on a thread
    that the caller waits for no longer than ``timeout``; a fetch still
    running then finishes in the background, and its result is dropped.
    """
    outcome: list[dict[str, Any] | Exception] = []

    def fetch() -> None:
        try:
            outcome.append(_fetch(url, timeout, source))
        except Exception as error:  # handed to the waiting caller below
            outcome.append(error)

    thread = threading.Thread(target=fetch, name="apod-fetch", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise ApodError(f"{source} did not answer within {timeout:g} s")
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


def _fetch(url: str, timeout: float, source: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        # DEMO_KEY's rate limit shows up here as 429.
        raise ApodError(f"{source} answered HTTP {error.code}", status=error.code) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ApodError(f"{source} could not be reached ({reason})") from error
    try:
        entry = json.loads(body)
    except ValueError as error:
        raise ApodError(f"{source} answered with something that is not JSON") from error
    if not isinstance(entry, dict):
        raise ApodError(f"{source} answered with a JSON {type(entry).__name__}, not an object")
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        raise ApodError(f"{source}'s entry lacks {', '.join(missing)}")
    return entry


# store url -> (when it was read, time.monotonic(); the outcome; which of RECHECK_SECONDS
# holds for it, or "today" for today's entry)
_cache: dict[str, tuple[float, Apod, str]] = {}
# The NASA day for which this process asked for a refresh.
_refreshed: dict[str, str] = {}
_lock = threading.Lock()


def picture_of_the_day(nasa_url: str | None, store_url: str, refresh: Callable[[], object]) -> Apod:
    """The stored entry, or the bundled sample with the reason it is shown.

    When the store has no entry for NASA's today, ``refresh()`` (which enqueues
    the task that fetches it) is called, once per process and NASA day. An
    empty ``nasa_url`` turns all of it off (tests, offline demos).
    """
    if not nasa_url:
        return Apod(sample_entry(), "sample", "fetching from NASA is turned off")
    today = nasa_today()
    with _lock:
        read, picture, holds = _cache.get(store_url, (0.0, None, "stale"))
    if picture is not None:
        if holds == "today" and picture.entry["date"] >= today:
            return picture
        if holds != "today" and time.monotonic() - read < RECHECK_SECONDS[holds]:
            return picture
    picture, holds = _read_store(store_url, today, refresh)
    with _lock:
        _cache[store_url] = (time.monotonic(), picture, holds)
    return picture


def _read_store(store_url: str, today: str, refresh: Callable[[], object]) -> tuple[Apod, str]:
    try:
        entry = fetch_entry(store_url, timeout=STORE_TIMEOUT_SECONDS, source="the picture store")
    except ApodError as error:
        # A public bucket answers 403, not 404, for a key it does not have
        # (anyone may read its objects, not list them).
        if error.status in (403, 404):
            return Apod(
                sample_entry(), "sample", f"no picture is stored yet; {_refresh(today, refresh)}"
            ), "stale"
        logger.warning("Showing the sample picture: %s", error)
        return Apod(sample_entry(), "sample", f"{error}; {_refresh(today, refresh)}"), "failed"
    # ISO dates compare as strings. NASA may be on its next day an hour before
    # nasa_today() is (summer time): that entry is today's too.
    if entry["date"] >= today:
        return Apod(entry, "nasa"), "today"
    return Apod(entry, "nasa", f"stored on {entry['date']}; {_refresh(today, refresh)}"), "stale"


def _refresh(today: str, refresh: Callable[[], object]) -> str:
    """Ask for today's entry unless this process already did; say what became of it."""
    with _lock:
        asked = _refreshed.get("day") == today
        _refreshed["day"] = today
    if asked:
        return "a background task was asked earlier to fetch today's from NASA"
    try:
        refresh()
    except Exception as error:  # the page shows what it has, and says why
        logger.exception("Could not ask for the picture of the day")
        failure = f"{type(error).__name__}: {error}"
        return f"asking a background task to fetch today's from NASA failed ({failure})"
    return "a background task is fetching today's from NASA"


def clear_cache() -> None:
    """Forget every read and refresh, so that the next request reads the store again."""
    with _lock:
        _cache.clear()
        _refreshed.clear()
