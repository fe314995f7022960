"""NASA's Astronomy Picture of the Day, with a bundled sample when NASA cannot be reached."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# https://api.nasa.gov/ (APOD): DEMO_KEY allows a few dozen requests an hour per address.
DEFAULT_URL = "https://api.nasa.gov/planetary/apod?api_key=DEMO_KEY"
# A page that waits longer than this for a picture is worse than the sample.
TIMEOUT_SECONDS = 2.0
# How long this process reuses an outcome: NASA publishes one picture a day,
# and a fetch that failed (no network) must not cost every request its timeout.
CACHE_SECONDS = {"nasa": 60.0 * 60, "sample": 5.0 * 60}
REQUIRED_KEYS = ("date", "title", "explanation", "media_type", "url")
SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "apod_sample.json"


class ApodError(Exception):
    """NASA's answer could not be had or used; the message says why."""


@dataclass(frozen=True)
class Apod:
    entry: dict[str, Any]
    # "nasa" for today's entry from the API, "sample" for the bundled one.
    source: str
    # Why the sample is shown, or "" for NASA's entry.
    reason: str = ""

    @property
    def is_sample(self) -> bool:
        return self.source == "sample"


@cache
def sample_entry() -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))
    return entry


def fetch_entry(url: str, *, timeout: float = TIMEOUT_SECONDS) -> dict[str, Any]:
    """Today's APOD entry from ``url``; ``ApodError`` if it cannot be had within ``timeout``.

    urlopen's timeout bounds connecting and reading, not the name lookup before
    them (about 5 s when there is no network), so the fetch runs on a thread
    that the request waits for no longer than ``timeout``; a fetch still
    running then finishes in the background, and its result is dropped.
    """
    outcome: list[dict[str, Any] | Exception] = []

    def fetch() -> None:
        try:
            outcome.append(_fetch(url, timeout))
        except Exception as error:  # handed to the waiting request below
            outcome.append(error)

    thread = threading.Thread(target=fetch, name="apod-fetch", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise ApodError(f"NASA's API did not answer within {timeout:g} s")
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


def _fetch(url: str, timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        # DEMO_KEY's rate limit shows up here as 429.
        raise ApodError(f"NASA's API answered HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ApodError(f"NASA's API could not be reached ({reason})") from error
    try:
        entry = json.loads(body)
    except ValueError as error:
        raise ApodError("NASA's API answered with something that is not JSON") from error
    if not isinstance(entry, dict):
        raise ApodError(f"NASA's API answered with a JSON {type(entry).__name__}, not an object")
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        raise ApodError(f"NASA's answer lacks {', '.join(missing)}")
    return entry


# url -> (when it was fetched, time.monotonic(); what it gave)
_cache: dict[str, tuple[float, Apod]] = {}
_cache_lock = threading.Lock()


def picture_of_the_day(url: str | None) -> Apod:
    """NASA's entry for today, or the bundled sample with the reason it is shown;
    either outcome is reused for a while (``CACHE_SECONDS``).

    An empty ``url`` turns the fetch off (tests, offline demos).
    """
    if not url:
        return Apod(sample_entry(), "sample", "fetching from NASA is turned off")
    with _cache_lock:
        fetched, picture = _cache.get(url, (0.0, None))
    if picture is not None and time.monotonic() - fetched < CACHE_SECONDS[picture.source]:
        return picture
    try:
        picture = Apod(fetch_entry(url, timeout=TIMEOUT_SECONDS), "nasa")
    except ApodError as error:
        logger.warning("Showing the sample picture: %s", error)
        picture = Apod(sample_entry(), "sample", str(error))
    with _cache_lock:
        _cache[url] = (time.monotonic(), picture)
    return picture


def clear_cache() -> None:
    """Forget every outcome, so that the next request fetches again."""
    with _cache_lock:
        _cache.clear()
