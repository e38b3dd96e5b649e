"""Alembic environment: runs against CAPEMU_DATABASE_URL or the URL the caller configured."""

import os

from alembic import context
from sqlalchemy import create_engine

from capillary_emulator import models  # noqa: F401  (registers every table)
from capillary_emulator.db import Base

config = context.config
url = config.attributes.get("url") or os.environ.get(
    "CAPEMU_DATABASE_URL", "sqlite:///./capillary-emulator.db"
)


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
