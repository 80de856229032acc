"""Where the database lives: DATABASE_URL, then the app's secrets, then a local SQLite file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = PROJECT_ROOT / "data" / "waypoint.db"


def normalise_url(url: str) -> str:
    """Accept the URL forms hosting providers hand out and use the psycopg 3 driver for them."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url(secrets: Mapping[str, Any] | None = None) -> str:
    """The URL to use; secrets may hold DATABASE_URL at top level or `url` under [database]."""
    if os.environ.get("DATABASE_URL"):
        return normalise_url(os.environ["DATABASE_URL"])
    if secrets:
        if secrets.get("DATABASE_URL"):
            return normalise_url(str(secrets["DATABASE_URL"]))
        section = secrets.get("database")
        if isinstance(section, Mapping) and section.get("url"):
            return normalise_url(str(section["url"]))
    DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE}"
