"""URLs for the test suite."""

from django.urls import path

urlpatterns: list[object] = []

from tests.testapp import views  # noqa: E402

urlpatterns += [
    path("echo/", views.echo),
    path("echo/<path:rest>", views.echo),
    path("meta/", views.lambda_meta),
    path("binary/", views.binary),
    path("svg/", views.svg),
    path("octets/", views.octets),
    path("latin1/", views.latin1),
    path("cookies/", views.cookies),
    path("streaming/", views.streaming),
    path("no-content/", views.no_content),
    path("redirect/", views.redirect),
    path("gzip/", views.gzipped),
    path("big/", views.big),
    path("big-binary/", views.big_binary),
    path("boom/", views.boom),
]
