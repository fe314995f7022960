"""The demo's stars page: the Mars wind rose, the footer, hashed static URLs.

The picture of the day is turned off here (``STARS_APOD_URL=""``): its tests
are in test_stars_apod.py.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory, modify_settings, override_settings

from demo_site.stars import apod, mars, views

SVG = "{http://www.w3.org/2000/svg}"
STATIC_DIR = Path(__file__).resolve().parent.parent / "demo_site" / "stars" / "static"


@pytest.fixture(autouse=True)
def stars_site() -> Iterator[None]:
    apod.clear_cache()
    with (
        modify_settings(INSTALLED_APPS={"append": "demo_site.stars"}),
        override_settings(
            ROOT_URLCONF="demo_site.urls",
            STARS_APOD_URL="",
            STARS_APOD_STORE_URL="https://stars-static.s3.us-east-1.amazonaws.com/stars/apod.json",
            TEMPLATES=[
                {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
            ],
        ),
    ):
        yield


def get_page() -> str:
    response = Client().get("/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


def wind_rose_paths(svg: str) -> list[dict[str, str]]:
    root = ET.fromstring(svg)
    return [path.attrib for path in root.iter(f"{SVG}path")]


def test_wind_rose_has_one_sector_per_direction_with_samples() -> None:
    wd = {
        "0": {"compass_degrees": 0.0, "compass_point": "N", "ct": 100},
        "4": {"compass_degrees": 90.0, "compass_point": "E", "ct": 25},
        "6": {"compass_degrees": 135.0, "compass_point": "SE", "ct": 0},
        "14": {"compass_degrees": 315.0, "compass_point": "NW", "ct": 400},
        "most_common": {"compass_degrees": 315.0, "compass_point": "NW", "ct": 400},
    }

    sectors = mars.wind_sectors(wd)
    paths = wind_rose_paths(mars.wind_rose_svg(sectors, size=200))

    assert sectors == [
        mars.Sector("N", 0.0, 100),
        mars.Sector("E", 90.0, 25),
        mars.Sector("NW", 315.0, 400),
    ]
    assert [(p["class"], p["data-point"], p["data-count"]) for p in paths] == [
        ("sector", "N", "100"),
        ("sector", "E", "25"),
        ("sector", "NW", "400"),
    ]
    # Area tracks the count: radius = outer * sqrt(count / most), outer = 200/2 - 22.
    radii = [float(re.search(r" A([\d.]+) ", p["d"]).group(1)) for p in paths]  # type: ignore[union-attr]
    assert radii == [39.0, 19.5, 78.0]


def test_wind_rose_points_each_wedge_at_its_compass_direction() -> None:
    [east] = wind_rose_paths(mars.wind_rose_svg([mars.Sector("E", 90.0, 9)], size=200))
    # Centre (100, 100), radius 78; the east wedge spans 80.25..99.75 degrees, so
    # its corners mirror each other across the horizontal through the centre:
    # x = 100 + 78 sin(80.25) = 176.87, y = 100 -/+ 78 cos(80.25) = 86.79 / 113.21.
    assert east["d"] == "M100 100 L176.87 86.79 A78.00 78.00 0 0 1 176.87 113.21 Z"


def test_wind_rose_escapes_its_title() -> None:
    svg = mars.wind_rose_svg([], title='<script>"x"</script>')
    root = ET.fromstring(svg)
    assert root.attrib["aria-label"] == '<script>"x"</script>'
    assert "<script>" not in svg


def test_page_draws_the_latest_sample_sols_wind() -> None:
    data = mars.sample_data()
    latest = data["sol_keys"][-1]

    page = get_page()

    svg = re.search(r'<svg class="wind-rose".*?</svg>', page, re.S).group(0)  # type: ignore[union-attr]
    drawn = {(p["data-point"], int(p["data-count"])) for p in wind_rose_paths(svg)}
    expected = {
        (value["compass_point"], value["ct"])
        for key, value in data[latest]["WD"].items()
        if key != "most_common" and value["ct"] > 0
    }
    assert drawn == expected
    assert len(drawn) > 1
    assert f"Where the wind came from on sol {latest};" in page
    for sol in data["sol_keys"]:
        assert f"<tr><td>{sol}</td>" in page


def test_sample_data_has_insights_shape() -> None:
    data = mars.sample_data()
    assert data["sol_keys"] == sorted(data["sol_keys"], key=int)
    for sol in data["sol_keys"]:
        record = data[sol]
        for sensor in ("AT", "HWS", "PRE"):
            assert set(record[sensor]) == {"av", "ct", "mn", "mx"}
            assert record[sensor]["mn"] <= record[sensor]["av"] <= record[sensor]["mx"]
        for key, value in record["WD"].items():
            if key == "most_common":
                continue
            assert value["compass_degrees"] == int(key) * 22.5
            assert value["compass_point"] == COMPASS_POINTS[int(key)]


COMPASS_POINTS = [
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
]  # fmt: skip


def test_footer_names_the_lambda_function_that_served_the_page() -> None:
    request = RequestFactory().get("/")
    request.META["lambda.context"] = SimpleNamespace(
        function_name="django-lambda-demo", aws_request_id="req-1234"
    )

    page = views.home(request).content.decode()

    assert (
        "Served by the Lambda function <code>django-lambda-demo</code>, "
        "request <code>req-1234</code>." in page
    )


@pytest.mark.slow
def test_static_urls_are_hashed_by_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's own storage settings, collectstatic into (moto's) S3, the page's URLs."""
    import boto3
    from moto import mock_aws

    from tests.test_demo_settings import load_settings

    # The demo's settings as a deploy to AWS (not the sandbox) computes them.
    demo_settings = load_settings(monkeypatch)
    bucket = demo_settings.STATIC_BUCKET
    with (
        mock_aws(),
        override_settings(
            STORAGES=demo_settings.STORAGES,
            DJANGO_LAMBDA={"STATIC_MANIFEST_DIR": str(tmp_path)},
        ),
    ):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        call_command("collectstatic", "--noinput", verbosity=0)
        page = get_page()
        manifest = json.loads((tmp_path / "staticfiles.json").read_text())
        hashed = manifest["paths"]["stars/logo.svg"]
        uploaded = s3.get_object(Bucket=bucket, Key=f"static/{hashed}")

    base = f"{demo_settings.STATIC_URL_PROTOCOL}//{demo_settings.STATIC_DOMAIN}/static/"
    assert re.fullmatch(r"stars/logo\.[0-9a-f]{12}\.svg", hashed)
    assert page.count(f'src="{base}{hashed}"') == 1
    assert uploaded["Body"].read() == (STATIC_DIR / "stars" / "logo.svg").read_bytes()
    assert uploaded["ContentType"] == "image/svg+xml"
    assert uploaded["CacheControl"] == "public, max-age=31536000, immutable"
    assert f'href="{base}{manifest["paths"]["stars/site.css"]}"' in page
