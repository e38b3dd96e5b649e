"""Alembic environment: runs against CAPEMU_DATABASE_URL or the URL the caller configured."""

import os

from alembic import context
from sqlalchemy import create_engine

from capillary_emulator import models  # noqa: F401  (registers every table)
from capillary_emulator.db import Base
from capillary_emulator.models import JOURNAL_METADATA

TARGETS = [Base.metadata, JOURNAL_METADATA]

config = context.config
url = config.attributes.get("url") or os.environ.get(
    "CAPEMU_DATABASE_URL", "sqlite:///./capillary-emulator.db"
)


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=TARGETS, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        # The caller's connection, inside its transaction: on SQLite every statement of every
        # migration then commits once, instead of once per statement.
        _run(given)
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=TARGETS, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
