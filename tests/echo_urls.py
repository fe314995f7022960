"""A URLconf for the fuzz and bad-input tests: ``/boom/...`` fails, every other path echoes.

The echo reads nothing the request could make fail (no ``request.POST``), so
any status other than 200 comes from the handler or from Django's own checks.
"""

from __future__ import annotations

import base64

from django.http import HttpRequest, JsonResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "method": request.method,
            "path_info": request.path_info,
            "script_name": request.META["SCRIPT_NAME"],
            "query": dict(request.GET.lists()),
            "headers": dict(request.headers),
            "body": base64.b64encode(request.body).decode(),
            "host": request.get_host(),
            "scheme": request.scheme,
            "server_port": request.META["SERVER_PORT"],
            "remote_addr": request.META.get("REMOTE_ADDR"),
        }
    )


def boom(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("the view failed on purpose")


urlpatterns = [re_path(r"^boom/", boom), re_path(r"^", echo)]
