"""URLs for the test suite."""

from django.urls import path

urlpatterns: list[object] = []
