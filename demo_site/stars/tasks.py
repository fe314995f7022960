"""The demo's background task: fetch NASA's picture of the day into the store the page reads.

The page enqueues it (``apod.picture_of_the_day``); with ``LambdaBackend`` it
runs in another execution environment, so no request waits on NASA.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import django

from demo_site.stars import apod

if TYPE_CHECKING or django.VERSION >= (6, 0):
    from django.tasks import task
else:  # Django 4.2 to 5.2: the backport, django-tasks
    from django_tasks import task

logger = logging.getLogger(__name__)

# No request waits on the task: NASA may take its time.
NASA_TIMEOUT_SECONDS = 20.0
# The store is read through the static files' host, which may be a CDN: let it
# keep the object a minute at most, so that a new picture shows soon after.
STORE_CACHE_CONTROL = "public, max-age=60"


@task
def refresh_apod() -> str | None:
    """Store NASA's entry for today; the date stored, or None when NASA gave none (the store
    is then left as it is)."""
    url = apod.demo_setting("STARS_APOD_URL")
    if not url:
        logger.warning("STARS_APOD_URL is empty: fetching from NASA is turned off.")
        return None
    try:
        entry = apod.fetch_entry(url, timeout=NASA_TIMEOUT_SECONDS)
    except apod.ApodError as error:
        logger.warning("The picture store is left as it is: %s", error)
        return None
    store_entry(entry)
    logger.info("Stored NASA's picture of %s: %s", entry["date"], entry["title"])
    return str(entry["date"])


def store_entry(entry: dict[str, Any]) -> None:
    """Write ``entry`` where every execution environment's page reads it."""
    import boto3  # here, not at the top: the page imports this module to enqueue

    s3 = boto3.client(
        "s3",
        region_name=apod.demo_setting("AWS_REGION"),
        endpoint_url=apod.demo_setting("AWS_ENDPOINT_URL"),
    )
    s3.put_object(
        Bucket=apod.demo_setting("STARS_APOD_BUCKET"),
        Key=apod.demo_setting("STARS_APOD_KEY"),
        Body=json.dumps(entry).encode(),
        ContentType="application/json",
        CacheControl=STORE_CACHE_CONTROL,
    )
