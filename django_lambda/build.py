"""Building the deploy package: requirements for the Lambda platform, project files, zip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class BuildError(Exception):
    """The package cannot be built; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class BuildResult:
    zip_path: Path
    # Base64 of the zip's SHA-256 digest: the same form as Lambda's CodeSha256.
    sha256: str
    zipped_size: int
    unzipped_size: int
    # (top-level package or directory, unzipped bytes), largest first.
    largest: list[tuple[str, int]] = field(default_factory=list)
