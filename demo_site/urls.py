"""The demo site's URLs: everything goes to the stars app, as in the talk."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("demo_site.stars.urls")),
]
