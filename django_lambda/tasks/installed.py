"""Whether a Tasks framework is installed, without importing it (the system checks ask)."""

from __future__ import annotations

import importlib.util

import django

# What to install when there is no framework (also the system check's hint).
INSTALL_HINT = (
    "Django's Tasks framework is django.tasks from Django 6.0; on Django 4.2 to 5.2 install "
    "its backport: pip install 'django-lambda[tasks]' (the django-tasks package), and put "
    "it in the package's requirements too."
)


def available() -> bool:
    """Whether this Django has a Tasks framework, its own or the backport."""
    return django.VERSION >= (6, 0) or importlib.util.find_spec("django_tasks") is not None
