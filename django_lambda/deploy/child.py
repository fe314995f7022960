"""The child process of the deploy steps that run in the function's environment: it sets
Django up with that environment, runs one step (``check``, ``collect``, ``upload`` or
``storage``) and writes its result as JSON. Django's modules are imported once it is set up."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

# What the collect step did with the static files.
STAGED = "staged"  # StaticStorage: collected here, uploaded at deploy time
LOCAL = "local"  # a file-system storage: collected into the project
REMOTE = "remote"  # another storage, which uploads as it collects
NOT_COLLECTED = "not collected"  # and why, in static.Collected.reason


def main(argv: list[str]) -> None:
    """The child: set Django up with this environment, run one step, write its result."""
    import django

    step, arguments, result_path = argv[0], json.loads(argv[1]), Path(argv[2])
    django.setup()
    steps: dict[str, Callable[..., dict[str, Any]]] = {
        "check": _check,
        "collect": _collect,
        "upload": _upload,
        "storage": _storage,
    }
    result = steps[step](**arguments)
    result_path.write_text(json.dumps(result), encoding="utf-8")


def _check(*, verbosity: int) -> dict[str, Any]:
    from django.core.checks.registry import registry
    from django.core.management.base import BaseCommand, SystemCheckError

    from django_lambda import checks

    # The deploy's own settings were checked where the deploy reads them.
    for check in checks.DEPLOY_CONFIGURATION_CHECKS:
        registry.registered_checks.discard(check)
    out, err = io.StringIO(), io.StringIO()
    command = BaseCommand(stdout=out, stderr=err, no_color=True)
    try:
        command.check(display_num_errors=verbosity >= 2, include_deployment_checks=True)
    except SystemCheckError as error:
        return {"passed": False, "output": str(error)}
    return {"passed": True, "output": err.getvalue() + out.getvalue()}


def _collect(
    *, staging: str, verbosity: int, credentials: bool, local_storages: bool
) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError
    from django.apps import apps
    from django.conf import STATICFILES_STORAGE_ALIAS
    from django.core.exceptions import ImproperlyConfigured
    from django.core.files.storage import FileSystemStorage, storages
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from django_lambda import aws
    from django_lambda.storage import StaticStorage

    if not apps.is_installed("django.contrib.staticfiles"):
        return {"how": NOT_COLLECTED, "backend": "", "reason": ""}
    storage = storages[STATICFILES_STORAGE_ALIAS]
    backend = _dotted(storage)
    if isinstance(storage, StaticStorage):
        # Collected afresh: the directory holds exactly what this build uses.
        shutil.rmtree(staging, ignore_errors=True)
        storage.collect_into(Path(staging))
        how = STAGED
    elif isinstance(storage, FileSystemStorage):
        if not local_storages:
            # Collected when the user runs collectstatic, or lambda_deploy.
            return {"how": NOT_COLLECTED, "backend": backend, "reason": ""}
        how = LOCAL
    elif not credentials:
        return {"needs_credentials": True, "backend": backend}
    else:
        how = REMOTE
    out = io.StringIO()
    try:
        call_command(
            "collectstatic", interactive=False, verbosity=verbosity, stdout=out, stderr=out
        )
    except (CommandError, ImproperlyConfigured) as error:
        return {
            "error": f"{error}\nHint: configure STATIC_ROOT or STORAGES['staticfiles'] "
            "(django_lambda.storage.StaticStorage), or pass --skip-static."
        }
    except (BotoCoreError, ClientError) as error:
        bucket = getattr(storage, "bucket_name", None)
        resource = f"bucket {bucket!r}" if bucket else "the static files storage"
        explained = aws.explain(error, operation="uploading static files", resource=resource)
        return {"error": str(explained)}
    return {
        "how": how,
        "backend": backend,
        "output": out.getvalue(),
        "configuration": static_configuration(_sample(storage)),
    }


def _upload(*, staging: str) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError
    from django.conf import STATICFILES_STORAGE_ALIAS
    from django.core.files.storage import storages

    from django_lambda import aws
    from django_lambda.storage import StaticStorage

    storage = storages[STATICFILES_STORAGE_ALIAS]
    if not isinstance(storage, StaticStorage):
        return {
            "error": f"STORAGES['staticfiles'] is {_dotted(storage)} with the function's "
            "environment, but the files were collected for StaticStorage: deploy again."
        }
    try:
        uploaded, present = storage.upload_collected(Path(staging))
    except (BotoCoreError, ClientError) as error:
        explained = aws.explain(
            error, operation="uploading static files", resource=f"bucket {storage.bucket_name!r}"
        )
        return {"error": str(explained)}
    return {
        "uploaded": uploaded,
        "present": present,
        "destination": f"s3://{storage.bucket_name}/{storage.key('')}",
    }


def _storage() -> dict[str, Any]:
    from django.conf import STATICFILES_STORAGE_ALIAS
    from django.core.files.storage import storages

    from django_lambda.storage import StaticStorage

    if not isinstance(storages[STATICFILES_STORAGE_ALIAS], StaticStorage):
        return {"configuration": None}
    return {"configuration": static_configuration(None)}


def _dotted(storage: Any) -> str:
    return f"{type(storage).__module__}.{type(storage).__qualname__}"


def _sample(storage: Any) -> str | None:
    """One collected file's name, whose URL the smoke test compares."""
    hashed = getattr(storage, "hashed_files", None)
    if hashed:
        return str(sorted(hashed)[0])
    from django.contrib.staticfiles.finders import get_finders

    for finder in get_finders():
        for path, _storage in finder.list(["CVS", ".*", "*~"]):
            return str(path).replace(os.sep, "/")
    return None


def static_configuration(sample: str | None) -> dict[str, Any]:
    """The static files storage's effective configuration in this process: backend,
    bucket, location, custom domain, and the URL of the collected file ``sample``.

    Self-contained (its imports inside), as the smoke test runs its source in
    the built package, where django_lambda may be another version. A location
    inside ``LAMBDA_TASK_ROOT`` is given relative to it, so the project
    directory and the unpacked package compare equal.
    """
    import os

    from django.core.files.storage import storages

    # A fresh instance, as the function's first request makes: it reads the
    # manifest collectstatic wrote, whatever the instance that collected did.
    # django-stubs types backends as storages; it holds their settings.
    storage = storages.create_storage(storages.backends["staticfiles"])  # type: ignore[arg-type]
    location = getattr(storage, "location", None)
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if location is not None and task_root and os.path.isabs(str(location)):
        relative = os.path.relpath(str(location), task_root)
        if not relative.startswith(os.pardir):
            location = f"$LAMBDA_TASK_ROOT/{relative}"
    try:
        url = storage.url(sample) if sample else None
    except Exception as error:  # what the function would get rendering {% static %}
        url = f"{type(error).__name__}: {error}"
    return {
        "backend": f"{type(storage).__module__}.{type(storage).__qualname__}",
        "bucket_name": getattr(storage, "bucket_name", None),
        "location": None if location is None else str(location),
        "custom_domain": getattr(storage, "custom_domain", None),
        "sample": sample,
        "url": url,
    }
