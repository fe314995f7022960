"""Sphinx configuration for django-lambda's documentation (MyST Markdown pages, furo theme).

Build it with ``python -m sphinx -W -b html docs docs/_build/html`` (the ``docs``
extra); ``tests/test_docs.py`` does, with warnings as errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The project, so the reference is generated from its code; and the extension.
sys.path[:0] = [str(HERE.parent), str(HERE / "_ext")]

project = "django-lambda"
author = "django-lambda's contributors"
copyright = "2026, django-lambda's contributors"

extensions = ["myst_parser", "generated_reference"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "transcripts", "examples", "Thumbs.db", ".DS_Store"]

html_theme = "furo"
html_title = "django-lambda"
# Option names such as --manage stay as typed, not en dashes.
smartquotes = False
