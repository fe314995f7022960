"""App configuration for the stars page."""

from __future__ import annotations

from django.apps import AppConfig


class StarsConfig(AppConfig):
    name = "demo_site.stars"
    label = "stars"
    verbose_name = "Stars"
