"""Which resources ``lambda_deploy`` created: each carries the tag ``django-lambda:function``
with the function's name, so ``lambda_undeploy`` removes those and nothing else.

A tag travels with the resource: it survives a failed deploy, a deleted
function and a new machine, which a local record would not. A resource of the
same name without it (a role or an HTTP API someone made by hand) is never
modified or removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

OWNER_TAG = "django-lambda:function"


def owner_tags(function_name: str, tags: Mapping[str, str] | None = None) -> dict[str, str]:
    """``tags`` (the TAGS setting) and the tag that marks a resource as ``function_name``'s."""
    return {**(tags or {}), OWNER_TAG: function_name}


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """``tags`` as IAM and S3 take them: ``[{"Key": ..., "Value": ...}]``."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def as_mapping(tags: Mapping[str, str] | Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """Tags as one service or another answers them (a mapping, or a Key/Value list)."""
    if tags is None:
        return {}
    if isinstance(tags, Mapping):
        return {str(key): str(value) for key, value in tags.items()}
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in tags}


def owner(tags: Mapping[str, str] | Iterable[Mapping[str, Any]] | None) -> str | None:
    """The function whose deploy created the resource with these tags; None if no deploy did."""
    return as_mapping(tags).get(OWNER_TAG)
