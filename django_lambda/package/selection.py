"""Which of the project's files go into the package.

Everything in the project directory but secrets, version control, caches,
tests, virtualenvs and what EXCLUDE names; then what INCLUDE brings back; then
the static manifest. A symbolic link out of the project is an error, never a
silent copy of what it points to.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django_lambda.conf import SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.package.archive import is_build_output
from django_lambda.package.report import count, first
from django_lambda.package.rules import (
    DEFAULT_EXCLUDE,
    INCLUDE_HINT,
    NEVER_SHIP,
    SECRETS,
    BuildError,
    excluded,
    include_pattern,
)
from django_lambda.progress import Say

# The static manifest that StaticStorage writes into the package.
MANIFEST_NAME = "staticfiles.json"

_SECRETS_ELSEWHERE = (
    f"Give the function its secrets through {SETTING_NAME}['ENVIRONMENT'] or a secrets store "
    "instead."
)


def project_files(config: DeployConfig, *, skip: Iterable[Path], say: Say) -> dict[str, Path]:
    """The project's files that go into the package: {name in the zip: path}.

    Everything in the project directory but ``NEVER_SHIP``, ``SECRETS``,
    ``DEFAULT_EXCLUDE``, ``EXCLUDE``, virtualenvs and ``skip``; then what
    ``INCLUDE`` brings back, never ``NEVER_SHIP`` or ``skip``; then the static
    manifest. A symbolic link out of the project is a BuildError.
    """
    selection = _Selection(config.project_dir.resolve(), skip=set(skip), say=say)
    selection.walk_project(config.exclude)
    for pattern in config.include:
        selection.include(pattern)
    selection.report_hidden()
    selection.drop_earlier_outputs()
    selection.add_manifest(config.manifest_dir.resolve() / MANIFEST_NAME)
    return selection.files


class _Selection:
    """The files on their way into the package, and the secret-looking paths left out
    (a directory counts once), for the summary."""

    def __init__(self, project_dir: Path, *, skip: set[Path], say: Say) -> None:
        self.project_dir = project_dir
        self.skip = skip
        self.say = say
        self.files: dict[str, Path] = {}
        self.hidden: set[str] = set()

    def hide(self, relative: str, prefix: str = "") -> None:
        if excluded(prefix + relative, (*NEVER_SHIP, *SECRETS)):
            self.hidden.add(prefix + relative)

    def walk_project(self, exclude: Iterable[str]) -> None:
        patterns = (*NEVER_SHIP, *SECRETS, *DEFAULT_EXCLUDE, *exclude)
        self.files.update(
            walk(
                self.project_dir,
                patterns=patterns,
                skip=self.skip,
                skip_virtualenvs=True,
                inside=self.project_dir,
                left_out=self.hide,
            )
        )

    def include(self, pattern: str) -> None:
        """Bring back what the INCLUDE ``pattern`` matches, but never ``NEVER_SHIP``."""
        refused, shipped_secrets = [], []
        for match in self._matches(pattern):
            path = _inside_project(pattern, match, self.project_dir)
            if any(path == s or s in path.parents for s in self.skip):
                continue  # the build's own output
            relative = path.relative_to(self.project_dir).as_posix()
            if excluded(relative, NEVER_SHIP):
                refused.append(relative)
                continue
            _check_links_to(path, self.project_dir)
            # A pattern that matches a secret-looking path itself brings it back;
            # a directory it matches brings back none of those inside it.
            secret = excluded(relative, SECRETS)
            if self._bring_back(path, relative, secret=secret) and secret:
                shipped_secrets.append(relative)
                self.hidden.discard(relative)
        if shipped_secrets:
            self._warn(
                pattern,
                f"ships {count(shipped_secrets, 'secret-looking path')}",
                shipped_secrets,
                ", which the build leaves out by default: make sure no private key or "
                "credential is in the package.",
            )
        if refused:
            self._warn(
                pattern,
                f"matches {count(refused, 'path')} left out all the same",
                refused,
                f": secrets and version control ({', '.join(NEVER_SHIP)}) never ship, "
                "whatever INCLUDE says.",
            )

    def _matches(self, pattern: str) -> list[Path]:
        if Path(pattern).is_absolute() or not Path(pattern).parts:
            what = "is absolute" if Path(pattern).is_absolute() else "names no file"
            raise BuildError(f"{include_pattern(pattern, what)}. {INCLUDE_HINT}")
        try:
            matches = sorted(self.project_dir.glob(pattern))
        except (ValueError, NotImplementedError) as error:
            raise BuildError(
                f"{include_pattern(pattern, f'cannot be used ({error})')}. Write patterns "
                "relative to the project directory, such as 'data/*.csv' or 'vendor/**'."
            ) from None
        if not matches:
            self.say(f"Warning: {SETTING_NAME}['INCLUDE'] pattern {pattern!r} matches nothing.")
        return matches

    def _bring_back(self, path: Path, relative: str, *, secret: bool) -> bool:
        """Add the file or directory ``path``; False if it is neither."""
        if path.is_dir():
            prefix = "" if path == self.project_dir else relative + "/"
            for inner_relative, inner in walk(
                path,
                patterns=NEVER_SHIP if secret else (*NEVER_SHIP, *SECRETS),
                skip=self.skip,
                inside=self.project_dir,
                left_out=functools.partial(self.hide, prefix=prefix),
            ):
                self.files[prefix + inner_relative] = inner
        elif path.is_file():
            self.files[relative] = path
        else:
            return False
        return True

    def _warn(self, pattern: str, what: str, paths: list[str], why: str) -> None:
        self.say(
            f"Warning: {SETTING_NAME}['INCLUDE'] pattern {pattern!r} {what} ({first(paths, 3)})"
            f"{why} {_SECRETS_ELSEWHERE}"
        )

    def report_hidden(self) -> None:
        """One line: how many secret-looking paths the build left out, by pattern."""
        if not self.hidden:
            return
        counts: dict[str, int] = {}
        for relative in self.hidden:
            pattern = next(p for p in (*NEVER_SHIP, *SECRETS) if excluded(relative, (p,)))
            counts[pattern] = counts.get(pattern, 0) + 1
        by_pattern = ", ".join(
            f"{pattern} {counts[pattern]}"
            for pattern in (*NEVER_SHIP, *SECRETS)
            if pattern in counts
        )
        self.say(
            f"Left out {count(self.hidden, 'secret-looking path')} ({by_pattern}): private "
            f"keys, credentials and version control stay out of the package. {SETTING_NAME}"
            f"['INCLUDE'] brings back one the function needs (but never {', '.join(NEVER_SHIP)})."
        )

    def drop_earlier_outputs(self) -> None:
        """A package an earlier build wrote into the project (--build-only out.zip),
        under whatever name, never goes into the next one."""
        outputs = sorted(name for name, path in self.files.items() if is_build_output(path))
        for name in outputs:
            del self.files[name]
        if outputs:
            self.say("Left out packages an earlier build wrote here: " + ", ".join(outputs) + ".")

    def add_manifest(self, manifest: Path) -> None:
        """git ignores the manifest (it is build output), but the package needs it:
        StaticStorage reads it from here instead of from S3 on a cold start."""
        if not manifest.is_file():
            return
        if manifest.is_relative_to(self.project_dir):
            self.files[manifest.relative_to(self.project_dir).as_posix()] = manifest
        else:
            self.say(
                f"Warning: the static manifest {manifest} is outside the project directory "
                f"{self.project_dir}, so it is not in the package. Point "
                f"{SETTING_NAME}['STATIC_MANIFEST_DIR'] inside the project."
            )


def _inside_project(pattern: str, path: Path, project_dir: Path) -> Path:
    """``path``, which the INCLUDE ``pattern`` matched, without ``..``; it must be in the project.

    Without ``..`` a match is inside the project, even through a link that
    points elsewhere, as for the files the walk finds.
    """
    if os.pardir in path.parts:
        # The file system reads "link/.." as the parent of the link's target.
        path = path.resolve()
    if not path.is_relative_to(project_dir):
        raise BuildError(
            include_pattern(pattern, f"matches {path}, outside the project directory {project_dir}")
            + f". {INCLUDE_HINT}"
        )
    return path


def _check_links_to(path: Path, project_dir: Path) -> None:
    """``check_link`` for ``path`` and each of its directories inside ``project_dir``."""
    for step in (path, *path.parents):
        if step == project_dir or not step.is_relative_to(project_dir):
            return
        if step.is_symlink():
            check_link(step, project_dir)


def check_link(link: Path, inside: Path) -> None:
    """A BuildError if the symbolic link ``link`` leads out of the directory ``inside``.

    Following it would ship whatever it points to (a home directory, ~/.ssh, ...);
    leaving it out silently would ship a site without files it uses.
    """
    target = link.resolve()
    if target.is_relative_to(inside):
        return
    relative = link.relative_to(inside).as_posix()
    raise BuildError(
        f"{relative} is a symbolic link to {target}, outside the project directory {inside}, "
        "and the build does not follow links out of the project. Copy what the function "
        f"needs into the project, or leave the link out: {SETTING_NAME}['EXCLUDE'] = "
        f"[{relative!r}]."
    )


def walk(
    root: Path,
    *,
    patterns: Iterable[str] = (),
    skip: Iterable[Path] = (),
    skip_virtualenvs: bool = False,
    inside: Path | None = None,
    left_out: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, Path]]:
    """(path relative to ``root`` in posix form, path) for every file not left out.

    With ``inside``, a link that leads out of that directory is a BuildError.
    ``left_out`` hears of each file or directory that ``patterns`` leave out.
    """
    patterns = tuple(patterns)
    skip = set(skip)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(dirpath)
        prefix = here.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        kept = []
        for name in sorted(dirnames):
            path = here / name
            if path in skip or (skip_virtualenvs and (path / "pyvenv.cfg").is_file()):
                continue
            if excluded(prefix + name, patterns):
                if left_out is not None:
                    left_out(prefix + name)
                continue
            if path.is_symlink():
                # A link to a directory above would be walked forever.
                if here.resolve().is_relative_to(path.resolve()):
                    continue
                if inside is not None:
                    check_link(path, inside)
            kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            path = here / name
            if path in skip:
                continue
            if excluded(prefix + name, patterns):
                if left_out is not None:
                    left_out(prefix + name)
                continue
            if inside is not None and path.is_symlink():
                check_link(path, inside)
            yield prefix + name, path


def own_source() -> dict[str, Path]:
    """This installation's ``django_lambda`` package: {name in the zip: path}."""
    source = Path(__file__).resolve().parent.parent
    return {
        f"django_lambda/{relative}": path
        for relative, path in walk(source, patterns=("__pycache__", "*.pyc"))
    }
