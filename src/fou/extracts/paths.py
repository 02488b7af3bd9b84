"""Where the project's shipped data and configuration live."""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root when running from a source checkout (editable install).
REPO_ROOT = Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    """The folder holding shipped extracts and reference files (``FOU_DATA`` overrides)."""
    return Path(os.environ.get("FOU_DATA", REPO_ROOT / "data"))


def notebooks_dir() -> Path:
    """The folder holding the study notebooks and the run configuration."""
    return Path(os.environ.get("FOU_NOTEBOOKS", REPO_ROOT / "notebooks"))


def report_extract_dir() -> Path:
    """The shipped transcription of the report's tables 1–5."""
    return data_dir() / "extracts" / "report-2023"


def default_cache_dir() -> Path:
    """Where fou caches HTTP responses and notebook metadata: ``FOU_CACHE_DIR``, else the
    platform's user cache folder (platformdirs: ``$XDG_CACHE_HOME/fou`` or ``~/.cache/fou`` on
    Linux, ``~/Library/Caches/fou`` on macOS, ``%LOCALAPPDATA%\\fou\\Cache`` on Windows)."""
    from platformdirs import user_cache_path

    return Path(os.environ.get("FOU_CACHE_DIR") or user_cache_path("fou", appauthor=False))
