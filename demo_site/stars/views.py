"""The stars page: NASA's picture of the day and the wind at InSight's landing site."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static

from demo_site.stars import apod, mars


def home(request: HttpRequest) -> HttpResponse:
    picture = apod.picture_of_the_day(
        getattr(settings, "STARS_APOD_URL", apod.DEFAULT_URL),
        apod.demo_setting("STARS_APOD_STORE_URL"),
        refresh=refresh_picture,
    )
    # The sample's picture is one of this app's static files; NASA's is on NASA's site.
    image_url = static(picture.entry["url"]) if picture.is_sample else picture.entry["url"]
    weather = mars.sols(mars.sample_data())
    latest = weather[-1]
    # Set by django_lambda's handler on every request it serves.
    context = request.META.get("lambda.context")
    return render(
        request,
        "stars/home.html",
        {
            "apod": picture,
            "image_url": image_url,
            "sols": weather,
            "latest": latest,
            "wind_rose": mars.wind_rose_svg(
                latest.sectors, title=f"Wind directions on sol {latest.number}"
            ),
            "function_name": getattr(context, "function_name", ""),
            "request_id": getattr(context, "aws_request_id", ""),
        },
    )


def refresh_picture() -> None:
    """Enqueue the task that fetches NASA's picture into the store."""
    # Imported here: a request that finds today's picture stored needs neither
    # the Tasks framework nor (for the enqueue) boto3.
    from demo_site.stars.tasks import refresh_apod

    refresh_apod.enqueue()
