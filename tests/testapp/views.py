"""Views the handler tests call: one echoes the request, the others return each kind of response."""

from __future__ import annotations

import base64
import gzip

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.csrf import csrf_exempt

# A PNG signature and a few bytes that are not UTF-8.
BINARY = b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x80binary"


@csrf_exempt
def echo(request: HttpRequest, **kwargs: str) -> JsonResponse:
    """Everything Django saw, as JSON."""
    body = request.body  # read first: parsing POST would consume the stream
    files = {
        name: [
            {
                "name": upload.name,
                "content_type": upload.content_type,
                "content": base64.b64encode(upload.read()).decode(),
            }
            for upload in uploads
        ]
        for name, uploads in request.FILES.lists()
    }
    return JsonResponse(
        {
            "method": request.method,
            "path": request.path,
            "path_info": request.path_info,
            "script_name": request.META["SCRIPT_NAME"],
            "query": dict(request.GET.lists()),
            "headers": dict(request.headers),
            "cookies": request.COOKIES,
            "body": base64.b64encode(body).decode(),
            "post": dict(request.POST.lists()),
            "files": files,
            "content_length": request.META.get("CONTENT_LENGTH"),
            "scheme": request.scheme,
            "host": request.get_host(),
            "server_name": request.META["SERVER_NAME"],
            "server_port": request.META["SERVER_PORT"],
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "url": request.build_absolute_uri(),
        }
    )


def lambda_meta(request: HttpRequest) -> JsonResponse:
    event = request.META["lambda.event"]
    context = request.META["lambda.context"]
    return JsonResponse({"event_keys": sorted(event), "request_id": context.aws_request_id})


def binary(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BINARY, content_type="image/png")


def svg(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml")


def octets(request: HttpRequest) -> HttpResponse:
    """Text bytes under a content type outside the text list."""
    return HttpResponse(b"plain words", content_type="application/octet-stream")


def latin1(request: HttpRequest) -> HttpResponse:
    """A text type whose bytes are not UTF-8."""
    return HttpResponse("café".encode("latin-1"), content_type="text/plain; charset=latin-1")


def cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("three cookies", content_type="text/plain")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2", httponly=True)
    response.set_cookie("c", "3", path="/c/")
    return response


def streaming(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse((f"chunk {n}\n" for n in range(3)), content_type="text/plain")


def no_content(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)


def redirect(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect("/echo/?from=redirect")


def gzipped(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(gzip.compress(b"squeezed", mtime=0), content_type="text/plain")
    response["Content-Encoding"] = "gzip"
    return response


def big(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"x" * int(request.GET["size"]), content_type="text/plain")


def big_binary(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"\xff" * int(request.GET["size"]), content_type="image/png")


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")
