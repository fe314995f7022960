"""What the installed requirements ship without: files never read at run time.

PRUNE's patterns, the apps' ``static/`` directories when ``StaticStorage`` has
put them on S3 (PRUNE_STATIC), and translations into languages the site never
activates (PRUNE_LOCALES).
"""

from __future__ import annotations

import locale
import re
from collections.abc import Collection, Iterable, Sequence

from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.utils.translation import to_locale

from django_lambda.conf import SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.package.archive import Deflated
from django_lambda.package.report import count, format_size
from django_lambda.package.rules import STATIC_STORAGE, BuildError, excluded, is_static_storage
from django_lambda.progress import Say

# Why PRUNE_STATIC leaves a file out, in the build's report.
STATIC_SOURCES = "apps' static/ directories"
# Why PRUNE_LOCALES leaves a file out, in the build's report.
UNUSED_TRANSLATIONS = "translations the site never reads"
# A translation catalog in a requirement, and its locale: gettext, and Django
# through it, looks for <localedir>/<locale>/LC_MESSAGES/<domain>.mo.
_CATALOG = re.compile(r".+/locale/([^/]+)/LC_MESSAGES/[^/]+\.(?:mo|po)")
# Files that make a directory code rather than data.
_PYTHON_SUFFIXES = (".py", ".pyc", ".so", ".pyd")


def prune_requirements(entries: dict[str, Deflated], config: DeployConfig, *, say: Say) -> set[str]:
    """The installed requirement files to leave out, as configured; says what and why."""
    static = config.prune_static
    patterns = config.prune
    pruned = pruned_files(
        entries,
        patterns=patterns,
        static=static and uses_static_storage(),
        locales=kept_locales() if config.prune_locales else None,
    )
    groups: dict[str, list[str]] = {
        reason: [] for reason in (*patterns, STATIC_SOURCES, UNUSED_TRANSLATIONS)
    }
    for name, reason in pruned.items():
        groups[reason].append(name)
    if pruned:
        say(
            "Left out of the requirements (never read at run time): "
            + ", ".join(
                f"{reason} ({count(names, 'file')}, "
                f"{format_size(sum(entries[name].size for name in names))})"
                for reason, names in groups.items()
                if names
            )
            + f". {SETTING_NAME}['PRUNE'], ['PRUNE_STATIC'] and ['PRUNE_LOCALES'] choose what "
            "is left out."
        )
    if static and not groups[STATIC_SOURCES] and _app_static_dirs(entries):
        say(
            f"Keeping {STATIC_SOURCES}: STORAGES['staticfiles'] is not {STATIC_STORAGE}, "
            "so the function may serve them from the package."
        )
    return set(pruned)


def pruned_files(
    names: Iterable[str],
    *,
    patterns: Sequence[str],
    static: bool,
    locales: Collection[str] | None = None,
) -> dict[str, str]:
    """The files among ``names`` to leave out, each with why: the pattern it matched,
    ``STATIC_SOURCES`` (with ``static``) for a file in an app's ``static/`` directory, or
    ``UNUSED_TRANSLATIONS`` for a translation catalog whose locale is not in ``locales``
    (None keeps every locale).

    ``names`` are posix paths inside the install directory; ``patterns``
    follow ``excluded()``'s rules, from the install directory.
    """
    names = sorted(names)
    static_dirs = _app_static_dirs(names) if static else set()
    pruned: dict[str, str] = {}
    for name in names:
        if excluded(name, patterns):
            pruned[name] = next(pattern for pattern in patterns if excluded(name, (pattern,)))
        elif static_dirs and _static_dir(name, static_dirs) is not None:
            pruned[name] = STATIC_SOURCES
        elif (
            locales is not None
            and (catalog := _CATALOG.fullmatch(name))
            and catalog[1] not in locales
        ):
            pruned[name] = UNUSED_TRANSLATIONS
    return pruned


def kept_locales() -> frozenset[str]:
    """The locale directories whose translations the site reads (PRUNE_LOCALES keeps these).

    With USE_I18N off, django.utils.translation serves trans_null, which reads
    no catalog at all. With it on, Django activates only the languages in
    LANGUAGES (LocaleMiddleware, set_language) and falls back to LANGUAGE_CODE.
    """
    if not settings.USE_I18N:
        return frozenset()
    languages = {code for code, _name in settings.LANGUAGES} | {settings.LANGUAGE_CODE}
    return frozenset(name for language in languages for name in locale_names(language))


def locale_names(language: str) -> set[str]:
    """The locale directories gettext reads for the Django language code ``language``.

    Django asks gettext for the locale ("pt-br" -> "pt_BR"), and gettext also
    tries it as ``locale.normalize()`` spells it ("de" -> "de_DE"), and each
    without its territory ("pt_BR" -> "pt"), which is how "de-at" falls back to
    "de": https://docs.python.org/3/library/gettext.html#gettext.find
    """
    name = to_locale(language)
    normalized = locale.normalize(name).partition(".")[0].partition("@")[0]
    names = {name, normalized}
    return names | {each.partition("_")[0] for each in names}


def uses_static_storage() -> bool:
    """Whether ``STORAGES["staticfiles"]`` is ``StaticStorage`` or a subclass of it.

    Then ``collectstatic`` has put the apps' static files on S3 before the
    build, and the function reads only the manifest from the package.
    """
    backend = settings.STORAGES.get(STATICFILES_STORAGE_ALIAS, {}).get("BACKEND")
    try:
        return is_static_storage(backend)
    except ImportError as error:
        raise BuildError(
            f"STORAGES[{STATICFILES_STORAGE_ALIAS!r}]['BACKEND'] is {backend!r}, which cannot "
            f"be imported ({error}). Fix the setting, or set "
            f"{SETTING_NAME}['PRUNE_STATIC'] = False to skip this question."
        ) from None


def _app_static_dirs(names: Iterable[str]) -> set[str]:
    """The ``static`` directories of apps: right inside a Python package, where Django's
    ``AppDirectoriesFinder`` looks, and holding no Python module of their own.
    """
    names = list(names)
    packages = {name[: -len("/__init__.py")] for name in names if name.endswith("/__init__.py")}
    candidates = {package + "/static" for package in packages} - packages
    found: set[str] = set()
    with_code: set[str] = set()
    for name in names:
        directory = _static_dir(name, candidates)
        if directory is not None:
            found.add(directory)
            if name.endswith(_PYTHON_SUFFIXES):
                with_code.add(directory)
    return found - with_code


def _static_dir(name: str, directories: set[str]) -> str | None:
    """The directory among ``directories`` that holds ``name``, if any."""
    start = 0
    while (found := name.find("/static/", start)) != -1:
        directory = name[: found + len("/static")]
        if directory in directories:
            return directory
        start = found + 1
    return None
