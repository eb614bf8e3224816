"""What every command group over the platform shares: Django set up inside a command (so
`policyledger --help` needs no database), and refusals shown as one Chinese line."""

from __future__ import annotations

import os
from pathlib import Path

import click


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")
    import django

    django.setup()
    from django.conf import settings

    # SQLite cannot create its folder; make ./var before the first connection.
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)


class ServiceGroup(click.Group):
    """Turns service refusals and database errors into one Chinese line and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except Exception as exc:
            from policyledger.web.core.errors import ServiceError

            if isinstance(exc, ServiceError):
                raise click.ClickException(exc.message) from None
            if type(exc).__name__ == "ImproperlyConfigured":  # e.g. no real SECRET_KEY
                raise click.ClickException(str(exc)) from None
            if type(exc).__module__.startswith(("django.db", "psycopg", "sqlite3")):
                raise click.ClickException(
                    f"数据库不可用或尚未迁移（请先运行迁移）：{exc}"
                ) from None
            raise
