"""The docker-compose stack cannot run here (no Docker engine), so its wiring is checked."""

import tomllib

import yaml

from tests.support import PROJECT_ROOT, SERVE_COMMAND


def _compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


class TestComposeFile:
    def test_postgres_has_a_healthcheck(self):
        postgres = _compose()["services"]["postgres"]
        assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    def test_emulator_waits_for_healthy_postgres(self):
        emulator = _compose()["services"]["emulator"]
        assert emulator["depends_on"]["postgres"]["condition"] == "service_healthy"

    def test_emulator_points_at_the_postgres_service(self):
        url = _compose()["services"]["emulator"]["environment"]["CAPEMU_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url

    def test_emulator_healthcheck_uses_health_endpoint(self):
        test = " ".join(_compose()["services"]["emulator"]["healthcheck"]["test"])
        assert "/_emulator/health" in test

    def test_emulator_runs_the_command_the_tests_run(self):
        command = _compose()["services"]["emulator"]["command"]
        assert command[: len(SERVE_COMMAND)] == SERVE_COMMAND

    def test_emulator_is_built_from_the_dockerfile(self):
        assert _compose()["services"]["emulator"]["build"] == "."
        dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
        assert '"capillary-emulator", "serve"' in dockerfile


class TestPackaging:
    def test_console_script_is_declared(self):
        project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
        assert project["scripts"]["capillary-emulator"] == "capillary_emulator.cli:main"


class TestMigrations:
    def test_schema_revision_constant_is_alembic_head(self):
        from alembic.script import ScriptDirectory

        from capillary_emulator import lifecycle

        scripts = ScriptDirectory.from_config(lifecycle._alembic_config())
        assert scripts.get_current_head() == lifecycle.SCHEMA_REVISION

    def test_migrations_match_the_models(self, tmp_path):
        from alembic import command

        from capillary_emulator import lifecycle

        url = f"sqlite:///{tmp_path / 'check.db'}"
        lifecycle.migrate(url)
        config = lifecycle._alembic_config()
        config.attributes["url"] = url
        command.check(config)  # raises when autogenerate would find a difference

    def test_a_new_sqlite_file_gets_the_migrated_schema(self, tmp_path):
        """`lifecycle.create_schema` (a fresh SQLite start) builds what every migration builds:
        the same tables, columns, indexes and foreign keys, stamped with the newest revision,
        and a later `migrate` has nothing to do."""
        from alembic import command

        from capillary_emulator import lifecycle
        from capillary_emulator.db import make_engine

        migrated_url = f"sqlite:///{tmp_path / 'migrated.db'}"
        created_url = f"sqlite:///{tmp_path / 'created.db'}"
        lifecycle.migrate(migrated_url)
        engine = make_engine(created_url)
        try:
            assert lifecycle._is_empty_sqlite(engine)
            lifecycle.create_schema(engine)
            assert not lifecycle._is_empty_sqlite(engine)
        finally:
            engine.dispose()
        assert _sqlite_schema(tmp_path / "created.db") == _sqlite_schema(tmp_path / "migrated.db")
        config = lifecycle._alembic_config()
        config.attributes["url"] = created_url
        command.check(config)
        lifecycle.migrate(created_url)  # already at head: a no-op, not a failure
        assert _sqlite_schema(tmp_path / "created.db") == _sqlite_schema(tmp_path / "migrated.db")


def _sqlite_schema(path) -> dict:
    """Every table's columns (name, type, not null, default, primary key), indexes (name,
    unique, columns) and foreign keys, and the recorded revision."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        schema: dict = {
            "revision": connection.execute("SELECT version_num FROM alembic_version").fetchall()
        }
        for table in tables:
            columns = sorted(row[1:] for row in connection.execute(f"PRAGMA table_info('{table}')"))
            indexes = sorted(
                (
                    row[1],
                    row[2],
                    tuple(c[2] for c in connection.execute(f"PRAGMA index_info('{row[1]}')")),
                )
                for row in connection.execute(f"PRAGMA index_list('{table}')")
            )
            keys = sorted(
                row[2:] for row in connection.execute(f"PRAGMA foreign_key_list('{table}')")
            )
            schema[table] = (columns, indexes, keys)
        return schema
    finally:
        connection.close()


class TestSafeDefaults:
    def test_compose_publishes_on_loopback_only(self):
        assert _compose()["services"]["emulator"]["ports"] == ["127.0.0.1:8000:8000"]

    def test_every_service_restarts(self):
        for name, service in _compose()["services"].items():
            assert service["restart"] == "unless-stopped", name

    def test_image_runs_as_a_non_root_user(self):
        lines = (PROJECT_ROOT / "Dockerfile").read_text().splitlines()
        users = [line.split()[1] for line in lines if line.startswith("USER ")]
        assert users and users[-1] not in ("root", "0")
        cmd = next(i for i, line in enumerate(lines) if line.startswith("CMD "))
        assert lines.index(f"USER {users[-1]}") < cmd

    def test_dockerignore_keeps_the_repository_clutter_out(self):
        ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
        for entry in (".git", ".venv", "tests", "*.db"):
            assert entry in ignored
        copied = [
            line.split()[1]
            for line in (PROJECT_ROOT / "Dockerfile").read_text().splitlines()
            if line.startswith("COPY ")
        ]
        assert not set(copied) & set(ignored)
