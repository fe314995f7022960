"""The function's public origin, as ``lambda_invoke`` and ``lambda_serve`` present requests.

A request to the deployed function carries the host of its Function URL or
HTTP API and arrives over https; a site configured for production
(``ALLOWED_HOSTS``, ``SECURE_SSL_REDIRECT``, secure cookies, CSRF's origin
checks) expects exactly that. So requests from the commands carry that host
too: the deployed one when there is one, else one of the same form for the
function's region. ``lambda_serve`` also maps, between the browser's origin
(``http://127.0.0.1:8000``) and the function's, the headers that name one of
them: ``Origin`` and ``Referer`` on the way in, ``Location`` on the way out.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django_lambda import aws
from django_lambda.configuration import DeployConfig

Headers = Sequence[tuple[str, str]]


def made_up_host(http: str | None, function_name: str, region: str) -> str:
    """A host of the form the front door ``http`` (the HTTP setting) gives a function.

    The id is derived from the function's name, so one function always gets
    the same host; a real one is random, and ``ALLOWED_HOSTS`` names the
    domain after it (``.lambda-url.<region>.on.aws``).
    """
    digest = hashlib.sha256(function_name.encode()).hexdigest()
    if http == "http_api":
        return f"{digest[:10]}.execute-api.{region}.amazonaws.com"
    return f"{digest[:32]}.lambda-url.{region}.on.aws"


def deployed_host(config: DeployConfig, qualifier: str | None = None) -> str | None:
    """The host of the Function URL or HTTP API (``config.http``) in front of the deployed
    function's ``qualifier`` (default: its alias), None when it has none; raises
    ``aws.DeployError``."""
    url = aws.Deployer(config, alias=qualifier).expose(create=False)
    return urlsplit(url).hostname if url else None


def public_host(config: DeployConfig, *, qualifier: str | None = None, lookup: bool = True) -> str:
    """The host a request to ``config``'s function carries: the deployed front door's
    (looked up unless ``lookup`` is false), else a made-up one of its form for its region."""
    host = deployed_host(config, qualifier) if lookup else None
    return host or made_up_host(config.http, config.local_name, config.named_region)


# Response headers whose value may be a URL on the function's origin.
_URL_HEADERS = frozenset({"location", "content-location", "access-control-allow-origin"})
# Request headers the function URL sets itself, whatever the client sent.
_SET_BY_THE_FRONT_DOOR = frozenset({"host", "x-forwarded-proto", "x-forwarded-port"})


@dataclass(frozen=True)
class PublicOrigin:
    """The function's origin (``https://<host>``), and the mapping to and from a local one."""

    host: str

    @property
    def url(self) -> str:
        return f"https://{self.host}"

    def to_function(self, headers: Headers, local_origin: str) -> list[tuple[str, str]]:
        """A browser's request headers, as the function would receive them through its URL."""
        mapped = [("Host", self.host), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Port", "443")]
        for name, value in headers:
            lower = name.lower()
            if lower in _SET_BY_THE_FRONT_DOOR:
                continue
            if lower in ("origin", "referer") and (
                value == local_origin or value.startswith(local_origin + "/")
            ):
                value = self.url + value[len(local_origin) :]
            mapped.append((name, value))
        return mapped

    def to_browser(self, headers: Headers, local_origin: str) -> list[tuple[str, str]]:
        """The function's response headers, for a browser on ``local_origin``."""
        on_function = re.compile(
            rf"^https?://{re.escape(self.host)}(?::443)?(?=[/?#]|$)", re.IGNORECASE
        )
        secure_here = is_secure_context(local_origin)
        mapped = []
        for name, value in headers:
            lower = name.lower()
            if lower in _URL_HEADERS:
                value = on_function.sub(local_origin, value)
            elif lower == "set-cookie":
                value = self._cookie(value, keep_secure=secure_here)
            mapped.append((name, value))
        return mapped

    def _cookie(self, cookie: str, *, keep_secure: bool) -> str:
        """A Set-Cookie the browser keeps for the local origin.

        A ``Domain`` naming the function's host would make the browser refuse
        the cookie on another host; ``Secure`` cookies are kept over http only
        by a secure context (loopback, for Chromium and Firefox).
        """
        attributes = [part.strip() for part in cookie.split(";")]
        kept = [attributes[0]]
        for attribute in attributes[1:]:
            key, _, value = attribute.partition("=")
            key = key.strip().lower()
            if key == "domain" and self._domain_matches(value.strip()):
                continue
            if key == "secure" and not keep_secure:
                continue
            kept.append(attribute)
        return "; ".join(kept)

    def _domain_matches(self, domain: str) -> bool:
        domain = domain.lstrip(".").lower()
        host = self.host.lower()
        return host == domain or host.endswith("." + domain)


def is_secure_context(origin: str) -> bool:
    """Whether browsers treat an http ``origin`` as secure: loopback addresses and localhost.

    https://w3c.github.io/webappsec-secure-contexts/#is-origin-trustworthy
    """
    host = (urlsplit(origin).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
