"""Test databases: a new SQLite file, or a new database on the Postgres server named by
CAPEMU_TEST_DATABASE_URL (dropped again when the session ends)."""

import os
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

_CREATED_DATABASES: list[str] = []


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def fresh_database_url(tmp_root: Path, name: str) -> str:
    """An empty database: a new SQLite file, or a new database on the test Postgres server."""
    pg = os.environ.get("CAPEMU_TEST_DATABASE_URL")
    if not pg:
        return f"sqlite:///{tmp_root / (name + '.db')}"
    base = make_url(pg)
    database = f"{base.database}_{name}_{os.getpid()}"
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    _CREATED_DATABASES.append(database)
    return base.set(database=database).render_as_string(hide_password=False)


def drop_created_databases() -> None:
    """Drop every Postgres database `fresh_database_url` created."""
    pg = os.environ.get("CAPEMU_TEST_DATABASE_URL")
    if not pg or not _CREATED_DATABASES:
        return
    engine = create_engine(make_url(pg).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for database in _CREATED_DATABASES:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    engine.dispose()
