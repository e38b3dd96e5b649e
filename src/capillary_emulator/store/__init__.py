"""The data-access layer: named statements, compiled once per dialect, run on the DB-API driver.

The SQLAlchemy models stay the one schema (and Alembic the migrations); statements are written
with Core against those tables, compiled the first time a dialect needs them, and executed on the
raw driver connection (sqlite3, psycopg 3) inside the request's SQLAlchemy transaction. Services
call the named query functions of the modules here; they hold no SQL of their own.
"""
