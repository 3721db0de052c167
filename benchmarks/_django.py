"""What every benchmark that needs Django does first: put the project on the path, point
Mutualis at a throwaway directory (its SQLite database under var/), run in-process (no
DATABASE_URL, no broker), and set Django up. Returns the throwaway directory."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(name: str, database_url: str | None = None) -> Path:
    """`database_url`: a PostgreSQL database to use instead (dropped and created anew)."""
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix=f"mutualis-bench-{name}-"))
    os.environ["MUTUALIS_VAR_DIR"] = str(work / "var")
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        _recreate(database_url)
        os.environ["DATABASE_URL"] = database_url
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")
    import django

    django.setup()
    return work


def _recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def timing(driver_class: type) -> type:
    """A subclass of `driver_class` whose class attribute `inside` adds up the seconds spent
    in its apply, to tell the engine's own cost from the driver's."""

    class Timed(driver_class):
        inside = 0.0

        def apply(self, changes):
            start_time = time.perf_counter()
            try:
                return super().apply(changes)
            finally:
                Timed.inside += time.perf_counter() - start_time

    Timed.__name__ = f"Timed{driver_class.__name__}"
    return Timed
