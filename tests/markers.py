"""Marks shared by test modules."""

from __future__ import annotations

import pytest
from django.conf import settings


def postgresql_only(what: str) -> pytest.MarkDecorator:
    """Skip on the SQLite run: ``what`` needs PostgreSQL (DATABASE_URL), which CI's second run has."""
    return pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason=f"{what} needs PostgreSQL (DATABASE_URL); CI's PostgreSQL run has it",
    )
