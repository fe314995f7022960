"""The static site's one page."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

urlpatterns = [path("", lambda request: render(request, "page.html"), name="page")]
