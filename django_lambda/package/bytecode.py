"""The package's bytecode: compiled once, for the path each module has on Lambda.

Hash-based pycs that the import system loads without reading the source to
check it (the package is read-only on Lambda), whose bytes depend only on the
source, so that cold starts do not compile the modules they import:
https://peps.python.org/pep-0552/
"""

from __future__ import annotations

import importlib.util
import py_compile
import warnings
from collections.abc import Iterable
from pathlib import Path

from django_lambda.conf import SETTING_NAME, local_runtime
from django_lambda.package.archive import FILE_MODE
from django_lambda.package.report import count, first
from django_lambda.package.selection import walk
from django_lambda.progress import Say

# Bytecode is compiled for the path the module has on Lambda, so the bytes do
# not depend on where the build ran; with the source next to it, the import
# system shows the real path anyway.
TASK_ROOT = "/var/task"
_UNCHECKED_HASH_FLAGS = (1).to_bytes(4, "little")


def compiles(python: str, say: Say) -> bool:
    """Whether bytecode can ship (COMPILE on): this interpreter is the runtime's Python."""
    here = local_runtime().removeprefix("python")
    if here != python:
        say(
            f"Not compiling bytecode: this build runs on Python {here} and the function on "
            f"Python {python}, and bytecode loads only on the Python that wrote it, so every "
            f"cold start will compile the modules it imports. Run the deploy with Python "
            f"{python} to ship bytecode (or set {SETTING_NAME}['COMPILE'] = False to say so)."
        )
        return False
    return True


def bytecode_name(name: str) -> str:
    """Where the import system looks for the bytecode of the module ``name`` (posix, relative)."""
    return importlib.util.cache_from_source(name)


def _compile_module(source: Path, name: str, destination: Path) -> None:
    """Compile ``source`` (the package's ``name``) to an unchecked-hash pyc at ``destination``.

    Raises ``py_compile.PyCompileError`` when the source does not compile.
    """
    with warnings.catch_warnings():
        # What the compiler warns about (invalid escapes, "is" with a literal)
        # is the module's own business, and would fail it under -W error.
        warnings.simplefilter("ignore")
        py_compile.compile(
            str(source),
            cfile=str(destination),
            dfile=f"{TASK_ROOT}/{name}",
            doraise=True,
            optimize=0,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    destination.chmod(FILE_MODE)


def compile_tree(root: Path, say: Say) -> None:
    """Compile every module under ``root`` (the fresh requirements install) next to it."""
    failed = []
    for name, path in sorted(walk(root)):
        if name.endswith(".py"):
            try:
                _compile_module(path, name, root / bytecode_name(name))
            except py_compile.PyCompileError:
                failed.append(name)
    _report_not_compiled(failed, "requirements", say)


def project_bytecode(
    files: dict[str, Path], sources: list[str], cache: Path, *, say: Say
) -> dict[str, Path]:
    """Bytecode for ``sources`` (names in ``files``), kept in ``cache`` between builds.

    A cached pyc is reused while it was compiled from the same source bytes
    (an unchecked-hash pyc holds the source's hash).
    """
    compiled: dict[str, Path] = {}
    failed = []
    for name in sources:
        pyc = bytecode_name(name)
        destination = cache / pyc
        if not _compiled_from(destination, files[name].read_bytes()):
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                _compile_module(files[name], name, destination)
            except py_compile.PyCompileError:
                failed.append(name)
                continue
        compiled[pyc] = destination
    if cache.is_dir():
        for relative, path in list(walk(cache)):
            if relative not in compiled:
                path.unlink()
    _report_not_compiled(failed, "project", say)
    return compiled


def _compiled_from(pyc: Path, source: bytes) -> bool:
    """Whether ``pyc`` exists and is this interpreter's unchecked-hash bytecode of ``source``."""
    expected = importlib.util.MAGIC_NUMBER + _UNCHECKED_HASH_FLAGS
    expected += importlib.util.source_hash(source)
    try:
        with pyc.open("rb") as cached:
            return cached.read(len(expected)) == expected
    except OSError:
        return False


def _report_not_compiled(failed: list[str], where: str, say: Say) -> None:
    if failed:
        say(
            f"Warning: shipping without bytecode {count(failed, 'file')} of the {where} "
            f"that did not compile (importing such a file fails on Lambda too): "
            f"{first(failed, 5)}."
        )


def orphan_bytecode(names: Iterable[str]) -> list[str]:
    """Bytecode in ``__pycache__`` directories whose source is not among ``names``.

    The import system never reads it (after PRUNE, or with a project module
    that shadows an installed one), so it has no place in the package.
    """
    names = set(names)
    orphans = []
    for name in sorted(names):
        *directory, cache, filename = ["", *name.split("/")]
        if cache == "__pycache__" and filename.endswith(".pyc"):
            source = "/".join([*directory, filename.split(".", 1)[0] + ".py"]).lstrip("/")
            if source not in names:
                orphans.append(name)
    return orphans
