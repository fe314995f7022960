"""Building the deploy package: ``build_package`` and its steps, in the order they run.

Check the settings the build needs; install the requirements for Lambda's
platform (or reuse the last install) and prune them; add the project's files
and, when neither brings it, this installation's ``django_lambda``; compile
bytecode; refuse a package Lambda would refuse; stage the files and zip them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django_lambda.conf import SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.package import archive, bytecode, pruning, requirements, staging
from django_lambda.package.report import (
    format_largest,
    format_size,
    largest_top_level,
    top_level,
)
from django_lambda.package.rules import (
    BUILD_DIR_HINT,
    PROJECT_DIR_HINT,
    BuildError,
    build_dir_problem,
    platform_tags,
    project_dir_problem,
    target_python,
)
from django_lambda.package.selection import own_source, project_files
from django_lambda.progress import Say, quiet

# Lambda refuses function code larger than this once unzipped, layers included
# ("Unzipped size must be smaller than 262144000 bytes"):
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
UNZIPPED_LIMIT = 262_144_000
# The package's name in the build directory, where the local runs look for it too.
PACKAGE_NAME = "package.zip"


@dataclass(frozen=True)
class BuildResult:
    zip_path: Path
    # Base64 of the zip's SHA-256 digest: the same form as Lambda's CodeSha256.
    sha256: str
    zipped_size: int
    unzipped_size: int
    # (top-level package or directory, unzipped bytes), largest first.
    largest: list[tuple[str, int]] = field(default_factory=list)
    # Whether the installed requirements were reused from an earlier build.
    reused_requirements: bool = False
    # The requirements file the build installed, if any.
    requirements: Path | None = None


def build_package(
    config: DeployConfig,
    *,
    output: Path | None = None,
    say: Say = quiet,
    reinstall: bool = False,
) -> BuildResult:
    """Build the deploy zip for ``config``'s project and return what was built.

    Requirements are installed with pip for the function's platform into
    ``<BUILD_DIR>/requirements/`` and reused while the requirements file, the
    runtime and the architecture stay the same (``reinstall=True`` forces a
    fresh install). pip runs as ``sys.executable -m pip`` and honours its own
    configuration, so ``PIP_INDEX_URL``, ``PIP_NO_INDEX=1`` and
    ``PIP_FIND_LINKS=<dir>`` work as usual. The package is staged in
    ``<BUILD_DIR>/build/`` and zipped to ``output`` (default
    ``<BUILD_DIR>/package.zip``).
    """
    build = _Build.start(config, output=output, say=say)
    build.install_requirements(reinstall=reinstall)
    build.prune_requirements()
    build.add_project_files()
    build.add_own_source()
    build.compile_project()
    build.drop_orphan_bytecode()
    build.check_size()
    build.stage()
    build.write_zip()
    return build.result()


@dataclass
class _Build:
    """One build on its way: what it was asked for, and the files it has gathered so far."""

    config: DeployConfig
    say: Say
    project_dir: Path
    build_root: Path
    zip_path: Path
    python: str
    platforms: list[str]
    compiles: bool
    # {name in the zip: path} of every file in the package.
    files: dict[str, Path] = field(default_factory=dict)
    # The installed requirements among them, already deflated in the cache zip.
    cached: dict[str, archive.Deflated] = field(default_factory=dict)
    cache_zip: Path | None = None
    reused: bool = False
    requirements_file: Path | None = None
    # {name in the zip: unzipped bytes}, once the files are all there.
    sizes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(cls, config: DeployConfig, *, output: Path | None, say: Say) -> _Build:
        """Check the settings the build reads, in the system checks' words, before any work."""
        project_dir = config.project_dir.resolve()
        problem = project_dir_problem(project_dir)
        if problem:
            raise BuildError(f"{problem} {PROJECT_DIR_HINT}")
        python = target_python(config.runtime)
        platforms = platform_tags(config.architecture, python)
        problem = build_dir_problem(config.project_dir, config.build_dir, config.build_dir_setting)
        if problem:
            raise BuildError(f"{problem} {BUILD_DIR_HINT}")
        build_root = config.build_dir.resolve()
        return cls(
            config=config,
            say=say,
            project_dir=project_dir,
            build_root=build_root,
            zip_path=Path(output).resolve() if output else build_root / PACKAGE_NAME,
            python=python,
            platforms=platforms,
            compiles=config.compile and bytecode.compiles(python, say),
        )

    def install_requirements(self, *, reinstall: bool) -> None:
        self.requirements_file = requirements.requirements_file(
            self.config, self.project_dir, self.say
        )
        if self.requirements_file is None:
            return
        installed, self.cache_zip, self.reused = requirements.install_requirements(
            self.requirements_file,
            project_dir=self.project_dir,
            build_root=self.build_root,
            platforms=self.platforms,
            python=self.python,
            left_out=requirements.runtime_packages_left_out(self.config),
            say=self.say,
            reinstall=reinstall,
            compiles=self.compiles,
        )
        self.cached = archive.read_deflated(self.cache_zip)
        self.files.update((name, installed / name) for name in self.cached)

    def prune_requirements(self) -> None:
        """Pruned here, not at install time: the install stays whole, so changing PRUNE,
        PRUNE_STATIC or STORAGES needs no reinstall and can never pair a cache with
        settings it was not pruned for."""
        if self.requirements_file is None:
            return
        for name in pruning.prune_requirements(self.cached, self.config, say=self.say):
            del self.cached[name]
            del self.files[name]

    def add_project_files(self) -> None:
        """The project's own files, which win over installed ones of the same name."""
        own = project_files(self.config, skip=(self.build_root, self.zip_path), say=self.say)
        shadowed = sorted({top_level(name) for name in own if name in self.cached})
        if shadowed:
            self.say(
                "The project's own copy wins over the installed one for: " + ", ".join(shadowed)
            )
        for name in own:
            self.cached.pop(name, None)
            if name.endswith(".py"):
                # The installed module's bytecode would load instead of the project's source.
                self.files.pop(bytecode.bytecode_name(name), None)
        self.files.update(own)

    def add_own_source(self) -> None:
        if "django_lambda/__init__.py" not in self.files:
            self.say(
                "Adding django_lambda from this installation (not in the project or requirements)."
            )
            self.files.update(own_source())

    def compile_project(self) -> None:
        """Bytecode for every module but the installed ones, which have theirs."""
        if not self.compiles:
            return
        sources = sorted(
            name for name in self.files if name.endswith(".py") and name not in self.cached
        )
        compiled = bytecode.project_bytecode(
            self.files, sources, self.build_root / "bytecode", say=self.say
        )
        for name in compiled:
            self.cached.pop(name, None)
        self.files.update(compiled)

    def drop_orphan_bytecode(self) -> None:
        for name in bytecode.orphan_bytecode(self.files):
            del self.files[name]

    def check_size(self) -> None:
        """Refuse what Lambda would refuse, saying what takes the room."""
        self.sizes = {
            name: self.cached[name].size if name in self.cached else path.stat().st_size
            for name, path in self.files.items()
        }
        unzipped_size = sum(self.sizes.values())
        if unzipped_size > UNZIPPED_LIMIT:
            raise BuildError(
                f"The package is {format_size(unzipped_size)} unzipped; Lambda refuses more "
                f"than {format_size(UNZIPPED_LIMIT)}. Largest: "
                f"{format_largest(largest_top_level(self.sizes))}. Leave out what the function "
                f"does not need ({SETTING_NAME}['EXCLUDE'], a smaller requirements file) or "
                "move large dependencies to a layer or a container image."
            )

    def stage(self) -> None:
        staging.stage(self.files, self.build_root / "build", linked=set(self.cached))

    def write_zip(self) -> None:
        archive.write_zip(self.files, self.zip_path, cached=self.cached, cache_zip=self.cache_zip)

    def result(self) -> BuildResult:
        result = BuildResult(
            zip_path=self.zip_path,
            sha256=archive.code_sha256(self.zip_path),
            zipped_size=self.zip_path.stat().st_size,
            unzipped_size=sum(self.sizes.values()),
            largest=largest_top_level(self.sizes),
            reused_requirements=self.reused,
            requirements=self.requirements_file,
        )
        self.say(
            f"Built {self.zip_path}: {format_size(result.zipped_size)} zipped, "
            f"{format_size(result.unzipped_size)} unzipped, {len(self.files)} files. "
            f"Largest: {format_largest(result.largest)}."
        )
        return result
