"""Event sources: each module detects its events, builds the environ, and shapes the result.

Every module has ``detect(event)``, ``to_environ(event)`` and
``to_result(event, response, head=...)``; the shared rules are in ``common``.
"""

from __future__ import annotations

from types import ModuleType

from django_lambda.events import alb, apigw_v1, apigw_v2, function_url, kong, lattice
from django_lambda.events.common import Event

# Most specific first: a Function URL event is also a payload 2.0 event, and
# REST 1.0 is what is left of the events with a requestContext.
SOURCES: tuple[ModuleType, ...] = (function_url, apigw_v2, alb, lattice, apigw_v1, kong)


def source_for(event: Event) -> ModuleType | None:
    """The module that serves ``event``, or None if it is no HTTP event.

    The same answer as asking each of ``SOURCES``' ``detect`` in turn, in
    fewer steps: this runs on every request.
    """
    context = event.get("requestContext")
    if event.get("version") == "2.0" and (
        "rawPath" in event or (type(context) is dict and "http" in context)
    ):
        if type(context) is dict:
            domain = context.get("domainName")
            if type(domain) is str and ".lambda-url." in domain:
                return function_url
        return apigw_v2
    if type(context) is dict:
        if "elb" in context:
            return alb
        if "serviceNetworkArn" in context or "serviceArn" in context:
            return lattice
        if "httpMethod" in event or "path" in event:
            return apigw_v1
    elif "raw_path" in event:
        return lattice  # event structure V1, which has no requestContext
    elif "httpMethod" in event or ("path" in event and "requestContext" in event):
        return apigw_v1
    if "request_method" in event or "request_uri" in event:
        return kong
    return None
