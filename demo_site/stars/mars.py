"""Mars weather from InSight's sample data, and the wind rose drawn as inline SVG.

The data has the shape of NASA's InSight "MAAS2" weather API (retired in
2021): ``sol_keys`` lists the sols, and each sol has ``AT`` (air temperature,
degrees C), ``HWS`` (horizontal wind speed, m/s), ``PRE`` (pressure, Pa) as
``{"av", "ct", "mn", "mx"}``, and ``WD``: wind direction counts keyed "0".."15"
plus ``most_common``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "insight_sample.json"

# Each of the 16 compass sectors spans 22.5 degrees; leave a small gap between wedges.
SECTOR_HALF_WIDTH = 22.5 / 2 - 1.5


@dataclass(frozen=True)
class Sector:
    point: str
    degrees: float
    count: int


@dataclass(frozen=True)
class Sol:
    number: str
    data: dict[str, Any]

    @property
    def sectors(self) -> list[Sector]:
        return wind_sectors(self.data.get("WD", {}))


@cache
def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))
    return data


def sols(data: dict[str, Any]) -> list[Sol]:
    """The sols in ``data``, oldest first, as ``sol_keys`` lists them."""
    return [Sol(key, data[key]) for key in data["sol_keys"] if key in data]


def wind_sectors(wd: dict[str, Any]) -> list[Sector]:
    """The compass sectors with samples, clockwise from north."""
    sectors = [
        Sector(str(value["compass_point"]), float(value["compass_degrees"]), int(value["ct"]))
        for key, value in wd.items()
        if key != "most_common" and int(value["ct"]) > 0
    ]
    return sorted(sectors, key=lambda sector: sector.degrees)


def _point(cx: float, cy: float, radius: float, degrees: float) -> tuple[float, float]:
    # Compass degrees: 0 is north (up), clockwise; SVG's y axis points down.
    angle = math.radians(degrees)
    return cx + radius * math.sin(angle), cy - radius * math.cos(angle)


def _wedge(centre: float, outer: float, sector: Sector, most: int) -> str:
    """The SVG path of one sector; its radius grows with the square root of the
    count, so the wedge's area tracks the count."""
    radius = outer * math.sqrt(sector.count / most)
    x1, y1 = _point(centre, centre, radius, sector.degrees - SECTOR_HALF_WIDTH)
    x2, y2 = _point(centre, centre, radius, sector.degrees + SECTOR_HALF_WIDTH)
    return (
        f"M{centre:g} {centre:g} L{x1:.2f} {y1:.2f} "
        f"A{radius:.2f} {radius:.2f} 0 0 1 {x2:.2f} {y2:.2f} Z"
    )


def wind_rose_svg(
    sectors: list[Sector], *, size: int = 260, title: str = "Wind rose"
) -> SafeString:
    """An inline SVG wind rose: one wedge per sector, its area proportional to the count."""
    centre = size / 2
    outer = size / 2 - 22  # room for the N/E/S/W labels
    most = max((sector.count for sector in sectors), default=0)
    rings = format_html_join(
        "",
        '<circle class="ring" cx="{0}" cy="{0}" r="{1}"/>',
        ((f"{centre:g}", f"{outer * share:.1f}") for share in (0.25, 0.5, 0.75, 1.0)),
    )
    labels = format_html_join(
        "",
        '<text class="label" x="{}" y="{}" text-anchor="middle"'
        ' dominant-baseline="middle">{}</text>',
        (
            (f"{x:.1f}", f"{y:.1f}", name)
            for name, degrees in (("N", 0), ("E", 90), ("S", 180), ("W", 270))
            for x, y in [_point(centre, centre, outer + 12, degrees)]
        ),
    )
    wedges = format_html_join(
        "",
        '<path class="sector" data-point="{0}" data-count="{1}" d="{2}" fill-opacity="{3}">'
        "<title>{0}: {4} samples</title></path>",
        (
            (
                sector.point,
                sector.count,
                _wedge(centre, outer, sector, most),
                opacity,
                f"{sector.count:,}",
            )
            for sector in sectors
            for opacity in [f"{0.35 + 0.65 * sector.count / most:.2f}"]
        ),
    )
    return format_html(
        '<svg class="wind-rose" xmlns="http://www.w3.org/2000/svg" width="{0}" height="{0}"'
        ' viewBox="0 0 {0} {0}" role="img" aria-label="{1}"><title>{1}</title>'
        "{2}{3}{4}</svg>",
        size,
        title,
        rings,
        wedges,
        labels,
    )
