"""Sphinx directives that write the reference from the code, at every build.

- ``{django-lambda-settings} SECTION``: a table of the ``DJANGO_LAMBDA`` keys of
  one section of ``django_lambda.settings_docs``: the type from
  ``conf.LambdaSettings``, the default from ``conf.DEFAULTS``, the text.
- ``{django-lambda-command} NAME``: a management command's usage and options,
  read from its argparse parser (Django's common options left out).
- ``{django-lambda-checks} PREFIX``: the checks whose id starts with PREFIX,
  from ``django_lambda.checks.catalog``.

Generated at build time rather than committed: nothing to regenerate, so
nothing to forget. When the build ends, a setting, a command of the app or a
check that no page rendered is a warning, which ``sphinx-build -W`` fails on.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

# Options every Django command has; the reference names them once.
DJANGO_COMMON = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}


def cell(text: str) -> str:
    """``text`` made safe for one cell of a Markdown table."""
    return " ".join(text.split()).replace("|", "\\|")


def code(value: object) -> str:
    text = repr(value)
    return f"``{text}``" if "`" in text else f"`{text}`"


class Generated(SphinxDirective):
    """A directive whose content is Markdown made by ``lines()``."""

    required_arguments = 1
    final_argument_whitespace = True
    kind = ""

    def lines(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(self.lines(), source=self.kind), 0, container)
        return container.children

    def seen(self, *names: str) -> None:
        done: set[str] = getattr(self.env, "django_lambda_rendered", set())
        done.update(f"{self.kind}:{name}" for name in names)
        self.env.django_lambda_rendered = done  # type: ignore[attr-defined]


class SettingsDirective(Generated):
    kind = "setting"

    def lines(self) -> list[str]:
        from django_lambda.conf import DEFAULTS, LambdaSettings
        from django_lambda.settings_docs import SECTIONS

        section = SECTIONS[self.arguments[0]]
        types = LambdaSettings.__annotations__
        rows = ["| key | type | default | what it does |", "|---|---|---|---|"]
        for key, text in section.items():
            rows.append(
                f"| `{key}` | `{cell(str(types[key]))}` | {cell(code(DEFAULTS[key]))} "
                f"| {cell(text)} |"
            )
        self.seen(*section)
        return rows


class CommandDirective(Generated):
    kind = "command"

    def lines(self) -> list[str]:
        from django.core.management import load_command_class

        name = self.arguments[0]
        command = load_command_class("django_lambda", name)
        parser = command.create_parser("manage.py", name)
        shown = [action for action in parser._actions if action.dest not in DJANGO_COMMON]
        formatter = argparse.HelpFormatter("python manage.py " + name, width=88)
        formatter.add_usage(None, shown, parser._mutually_exclusive_groups, prefix="")
        lines = [
            " ".join(str(command.help).split()),
            "",
            "```text",
            formatter.format_help().rstrip(),
        ]
        lines += ["```", "", "| option | what it does |", "|---|---|"]
        for action in shown:
            lines.append(f"| {cell(self.option(action))} | {cell(self.describe(action))} |")
        self.seen(name)
        return lines

    @staticmethod
    def option(action: argparse.Action) -> str:
        if not action.option_strings:
            return f"`{action.metavar or action.dest}`"
        metavar = ""
        if action.nargs != 0:
            shown = action.metavar or action.dest.upper()
            metavar = f" [{shown}]" if action.nargs == "?" else f" {shown}"
        return ", ".join(f"`{string}{metavar}`" for string in action.option_strings)

    @staticmethod
    def describe(action: argparse.Action) -> str:
        text = argparse.HelpFormatter("manage.py")._expand_help(action) if action.help else ""
        if action.choices and not isinstance(action.choices, dict):
            text += " One of: " + ", ".join(f"`{choice}`" for choice in action.choices) + "."
        return text


class ChecksDirective(Generated):
    kind = "check"

    def lines(self) -> list[str]:
        from django_lambda.checks.catalog import CATALOG

        prefix = self.arguments[0]
        rows = ["| id | message | hint |", "|---|---|---|"]
        chosen = sorted(check_id for check_id in CATALOG if check_id.startswith(prefix))
        for check_id in chosen:
            check = CATALOG[check_id]
            retired = " (retired)" if check.retired else ""
            rows.append(f"| `{check_id}`{retired} | {cell(check.message)} | {cell(check.hint)} |")
        self.seen(*chosen)
        return rows


def expected() -> set[str]:
    """Every setting, command and check the reference must render."""
    import django_lambda.management.commands as commands
    from django_lambda.checks.catalog import CATALOG
    from django_lambda.conf import DEFAULTS

    names = {f"setting:{key}" for key in DEFAULTS}
    names |= {f"check:{check_id}" for check_id in CATALOG}
    names |= {
        f"command:{module.name}"
        for module in pkgutil.iter_modules(commands.__path__)
        if not module.name.startswith("_")
    }
    return names


def report_missing(app: Sphinx, env: Any) -> None:
    done: set[str] = getattr(env, "django_lambda_rendered", set())
    for name in sorted(expected() - done):
        logger.warning("the reference renders no %s: add it to a reference page", name)


def merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    done: set[str] = getattr(env, "django_lambda_rendered", set())
    env.django_lambda_rendered = done | getattr(other, "django_lambda_rendered", set())


def setup(app: Sphinx) -> dict[str, Any]:
    from django.conf import settings

    # The commands' parsers need an app registry; no project's settings are read.
    if not settings.configured:
        settings.configure(INSTALLED_APPS=["django.contrib.staticfiles", "django_lambda"])
    importlib.import_module("django").setup()
    app.add_directive("django-lambda-settings", SettingsDirective)
    app.add_directive("django-lambda-command", CommandDirective)
    app.add_directive("django-lambda-checks", ChecksDirective)
    app.connect("env-merge-info", merge)
    app.connect("env-check-consistency", report_missing)
    return {"parallel_read_safe": True, "env_version": 1}
