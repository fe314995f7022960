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
    """The module that serves ``event``, or None if it is no HTTP event."""
    for source in SOURCES:
        if source.detect(event):
            return source
    return None
