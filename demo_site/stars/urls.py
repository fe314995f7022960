"""The stars app has one page."""

from __future__ import annotations

from django.urls import path

from demo_site.stars import views

app_name = "stars"
urlpatterns = [
    path("", views.home, name="home"),
]
