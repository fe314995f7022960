"""The layers of docs/explanation/architecture.md, held: what may import what, and no import cycle.

Imports are read from the source, function-level ones included: an import
inside a function is still a dependency, only a later one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "django_lambda"

# Each part of django_lambda and the parts it may import; management/ (the
# commands) sits on top and may import any of them. Keep in step with the table
# in docs/explanation/architecture.md.
ALLOWED: dict[str, set[str]] = {
    # the request path
    "configuration": set(),
    "progress": set(),
    "gate": set(),
    "limits": set(),
    "invocation": set(),
    "settings_docs": set(),
    "conf": {"configuration"},
    "events": {"conf"},
    "remote": {"conf", "gate", "limits"},
    "tasks": {"gate", "invocation", "limits"},
    "handler": {"conf", "events", "invocation", "limits", "remote", "tasks"},
    "storage": {"conf"},
    # the tooling
    "validation": {"conf"},
    "package": {"conf", "configuration", "progress", "validation"},
    "checks": {"conf", "configuration", "gate", "package", "storage", "tasks", "validation"},
    "apps": {"checks"},
    "aws": {"conf", "configuration", "gate", "package", "progress"},
    "local": {"aws", "conf", "configuration", "events", "limits", "package", "progress"},
    "sandbox": {"aws", "configuration", "local", "package"},
    "deploy": {
        "aws",
        "checks",
        "conf",
        "configuration",
        "events",
        "gate",
        "local",
        "package",
        "progress",
        "remote",
        "sandbox",
        "storage",
    },
    "invoke": {"aws", "configuration", "deploy", "events", "gate", "local", "progress", "remote"},
}
ON_TOP = "management"
# The request path never loads the client side of the events.
REQUEST_PATH = ("django_lambda.handler", "django_lambda.events")
CLIENT = "django_lambda.events.client"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imports(name: str, source: str | None = None) -> Iterator[str]:
    """The django_lambda modules that module ``name`` imports, anywhere in it."""
    is_package = MODULES[name].name == "__init__.py"
    if source is None:
        source = MODULES[name].read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".")
                package = package[: len(package) - node.level + (1 if is_package else 0)]
                base = ".".join([*package, *([base] if base else [])])
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            found = [module for module in submodules if module in MODULES]
            # `from package import module` depends on the module, not the package.
            targets = found if len(found) == len(submodules) else [base, *found]
        else:
            continue
        yield from (target for target in targets if target in MODULES and target != name)


GRAPH = {name: set(_imports(name)) for name in MODULES}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "django_lambda"


def test_every_part_is_in_the_table() -> None:
    parts = {_part(name) for name in MODULES} - {"django_lambda", ON_TOP}
    assert parts == set(ALLOWED)


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_a_part_imports_only_the_parts_below_it(part: str) -> None:
    found = {
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if _part(name) == part
        for target in targets
        if _part(target) not in ALLOWED[part] | {part}
    }
    assert not found


def test_the_request_path_never_loads_the_event_client() -> None:
    on_path = [
        name
        for name in MODULES
        if name.startswith(REQUEST_PATH) and name != CLIENT and CLIENT in GRAPH[name]
    ]
    assert not on_path


def test_no_import_cycle() -> None:
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycles.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for target in sorted(GRAPH[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(MODULES):
        visit(name, [])
    assert not cycles


def test_the_reader_sees_function_level_and_relative_imports() -> None:
    source = (
        "from . import common\n"
        "from django_lambda.events import results\n"
        "def later():\n"
        "    from django_lambda import aws\n"
        "    import django_lambda.package.build\n"
    )
    assert set(_imports("django_lambda.events.alb", source)) == {
        "django_lambda.events.common",
        "django_lambda.events.results",
        "django_lambda.aws",
        "django_lambda.package.build",
    }
