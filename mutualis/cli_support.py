"""What the command lines of every package share: the consoles, Django's setup, and the
database brought up to date. It imports nothing of the project, so that any package's
`cli.py` may use it while `mutualis/cli.py` imports those `cli.py` modules."""

from __future__ import annotations

import os

from rich.console import Console

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")
    import django

    django.setup()


def ensure_database() -> None:
    """Create or upgrade the database when it lags behind the code (first run, upgrade)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        os.makedirs(settings.VAR_DIR, exist_ok=True)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)
