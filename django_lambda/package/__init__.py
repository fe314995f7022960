"""The deploy package: built from the project, for Lambda's platform, zipped deterministically.

One module per concern, from the lightest:

- ``rules``: Lambda's platforms and runtimes, the patterns that keep files
  out, where the build's output may go, ``BuildError``; what the system
  checks import, so it holds constants and small functions.
- ``report``: how the build words sizes, counts and lists.
- ``archive``: the deterministic zip writer and the package's SHA-256.
- ``selection``: which of the project's files ship (EXCLUDE, INCLUDE,
  secrets, links, the static manifest).
- ``pruning``: what the installed requirements ship without (PRUNE,
  PRUNE_STATIC, PRUNE_LOCALES).
- ``bytecode``: the modules compiled once, for the path they have on Lambda.
- ``staging``: the staging directory, kept in step with the files.
- ``distributions`` and ``requirements``: pip for the function's platform,
  without what the runtime provides.
- ``build``: ``build_package``, the steps above in order.
- ``versions``: what the built package holds against what ran the deploy.

The names the rest of django_lambda uses are importable from here. Each loads
its module on first use, so that importing ``rules`` (the system checks do)
loads nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# What mypy reads; at run time, __getattr__ below loads each name.
if TYPE_CHECKING:
    from django_lambda.package.archive import (
        EXECUTABLE_MODE,
        FILE_MODE,
        ZIP_COMMENT,
        ZIP_COMPRESSLEVEL,
        ZIP_DATE_TIME,
        ZipWriter,
        code_sha256,
        is_build_output,
        sha256_hex,
    )
    from django_lambda.package.build import (
        PACKAGE_NAME,
        UNZIPPED_LIMIT,
        BuildResult,
        build_package,
    )
    from django_lambda.package.bytecode import (
        TASK_ROOT,
        bytecode_name,
    )
    from django_lambda.package.distributions import (
        remove_distributions,
    )
    from django_lambda.package.pruning import (
        STATIC_SOURCES,
        UNUSED_TRANSLATIONS,
        kept_locales,
        locale_names,
        pruned_files,
        uses_static_storage,
    )
    from django_lambda.package.report import (
        format_largest,
        format_size,
        largest_top_level,
    )
    from django_lambda.package.requirements import (
        run_pip,
        runtime_packages_left_out,
    )
    from django_lambda.package.rules import (
        AMAZON_LINUX_2_GLIBC,
        AMAZON_LINUX_2_PYTHONS,
        AMAZON_LINUX_2023_GLIBC,
        BUILD_DIR_HINT,
        DEFAULT_EXCLUDE,
        INCLUDE_HINT,
        MACHINES,
        MANYLINUX2014_GLIBC_MINOR,
        NEVER_SHIP,
        OLDEST_PYTHON_MINOR,
        SECRETS,
        STATIC_STORAGE,
        BuildError,
        build_dir_problem,
        canonical_name,
        describe_platforms,
        excluded,
        is_static_storage,
        platform_tags,
        python_version,
        runtime_glibc,
    )
    from django_lambda.package.selection import (
        MANIFEST_NAME,
        own_source,
        project_files,
    )

# The modules, lightest first: a public name comes from the first that has it
# (a module that imports a name from another holds the same object).
_MODULES = (
    "rules",
    "report",
    "archive",
    "selection",
    "pruning",
    "bytecode",
    "staging",
    "distributions",
    "requirements",
    "build",
)

__all__ = [
    "AMAZON_LINUX_2_GLIBC",
    "AMAZON_LINUX_2_PYTHONS",
    "AMAZON_LINUX_2023_GLIBC",
    "BUILD_DIR_HINT",
    "DEFAULT_EXCLUDE",
    "EXECUTABLE_MODE",
    "FILE_MODE",
    "INCLUDE_HINT",
    "MACHINES",
    "MANIFEST_NAME",
    "MANYLINUX2014_GLIBC_MINOR",
    "NEVER_SHIP",
    "OLDEST_PYTHON_MINOR",
    "PACKAGE_NAME",
    "SECRETS",
    "STATIC_SOURCES",
    "STATIC_STORAGE",
    "TASK_ROOT",
    "UNUSED_TRANSLATIONS",
    "UNZIPPED_LIMIT",
    "ZIP_COMMENT",
    "ZIP_COMPRESSLEVEL",
    "ZIP_DATE_TIME",
    "BuildError",
    "BuildResult",
    "ZipWriter",
    "build_dir_problem",
    "build_package",
    "bytecode_name",
    "canonical_name",
    "code_sha256",
    "describe_platforms",
    "excluded",
    "format_largest",
    "format_size",
    "is_build_output",
    "is_static_storage",
    "kept_locales",
    "largest_top_level",
    "locale_names",
    "own_source",
    "platform_tags",
    "project_files",
    "pruned_files",
    "python_version",
    "remove_distributions",
    "run_pip",
    "runtime_glibc",
    "runtime_packages_left_out",
    "sha256_hex",
    "uses_static_storage",
]


def __getattr__(name: str) -> Any:
    """Load the module of the public name ``name`` on first use (PEP 562)."""
    if name in __all__:
        for module_name in _MODULES:
            module = importlib.import_module(f"{__name__}.{module_name}")
            if name in vars(module):
                value = vars(module)[name]
                globals()[name] = value
                return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
