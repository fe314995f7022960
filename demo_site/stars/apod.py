"""NASA's Astronomy Picture of the Day, with a bundled sample when NASA cannot be reached."""

from __future__ import annotations

import json
import logging
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
    """Today's APOD entry from ``url``; ``ApodError`` if it cannot be had."""
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


def picture_of_the_day(url: str | None) -> Apod:
    """NASA's entry for today, or the bundled sample with the reason it is shown.

    An empty ``url`` turns the fetch off (tests, offline demos).
    """
    if not url:
        return Apod(sample_entry(), "sample", "fetching from NASA is turned off")
    try:
        return Apod(fetch_entry(url), "nasa")
    except ApodError as error:
        logger.warning("Showing the sample picture: %s", error)
        return Apod(sample_entry(), "sample", str(error))
