"""Shared pieces of the deploy tests: a fake build and command runners."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management import call_command

from django_lambda.build import BuildResult

HANDLER_SOURCE = '''"""Stand-in for django_lambda.handler inside the test package."""


def lambda_handler(event, context):
    return {{"statusCode": 200, "body": {body!r}}}
'''


@dataclass
class FakeBuild:
    """Replaces build.build_package: writes a small real zip holding a handler module."""

    directory: Path
    body: str = "v1"
    calls: list[dict[str, Any]] = field(default_factory=list)
    # Pretend sizes, to drive the S3 path without writing 50 MB.
    zipped_size: int | None = None

    def __call__(self, *, output: Path | None = None, log: Any = None) -> BuildResult:
        self.calls.append({"output": output})
        zip_path = output or self.directory / "package.zip"
        source = HANDLER_SOURCE.format(body=self.body).encode()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ("django_lambda/__init__.py", "django_lambda/handler.py"):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                archive.writestr(info, source if name.endswith("handler.py") else b"")
        data = buffer.getvalue()
        zip_path.write_bytes(data)
        return BuildResult(
            zip_path=zip_path,
            sha256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
            zipped_size=self.zipped_size or len(data),
            unzipped_size=len(source),
            largest=[("django", 9_000_000), ("django_lambda", len(source))],
        )


def deploy(*args: str) -> str:
    out = io.StringIO()
    call_command("lambda_deploy", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()
