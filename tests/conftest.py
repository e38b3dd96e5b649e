"""Test harness: a real database (a SQLite file, or Postgres via CAPEMU_TEST_DATABASE_URL),
the schema built by the real migrations, and the demo seed restored before every test.
Fixtures only; what they are built from lives in tests/support."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from capillary_emulator.config import DEMO_SEED_FILE, Settings
from capillary_emulator.main import create_app
from tests.support.databases import drop_created_databases, fresh_database_url, is_postgres
from tests.support.live_server import LiveServer


@pytest.fixture(scope="session", autouse=True)
def _drop_created_databases() -> Iterator[None]:
    yield
    drop_created_databases()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return fresh_database_url(tmp_path_factory.mktemp("db"), "emulator")


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, seed_file=DEMO_SEED_FILE)


@pytest.fixture(scope="session")
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    """The in-process emulator, reset to exactly the demo seed."""
    response = app_client.post("/_emulator/reset")
    assert response.status_code == 200, response.text
    return app_client


@pytest.fixture(scope="session")
def _reader_engine(database_url: str) -> Iterator[Any]:
    # Autocommit, and without the emulator's BEGIN IMMEDIATE hook: reads hold no lock, so a test
    # can read state while the app it drives keeps writing (or truncates, on reset).
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def session(_reader_engine: Any, client: TestClient) -> Iterator[Session]:
    """A read session on the emulator's database. Every query sees the latest committed state
    (objects are expired before each statement and after each `get`); never write with it:
    use `write_session`."""
    with Session(_reader_engine) as s:

        @event.listens_for(s, "do_orm_execute")
        def _fresh(state: Any) -> None:
            state.session.expire_all()

        original_get = s.get

        def fresh_get(*args: Any, **kwargs: Any) -> Any:
            s.rollback()
            s.expire_all()
            return original_get(*args, **kwargs)

        s.get = fresh_get  # type: ignore[method-assign]
        yield s
        s.rollback()


@pytest.fixture
def write_session(client: TestClient) -> Iterator[Session]:
    """A session of the emulator's own factory (its locking and transactions), for setting up
    state the demo seed lacks. Commit before calling the app: on SQLite an open write
    transaction holds the lock the app needs. Whatever is left uncommitted is rolled back."""
    with client.app.state.session_factory() as s:  # type: ignore[attr-defined]
        yield s


@pytest.fixture
def live_server_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Start real servers: `live_server_factory(workers=2)`; each on a fresh database. Without
    `workers`, two share Postgres (row locks across processes) and one runs on SQLite (a single
    writer). Only for tests marked `live`, so that `pytest -m "not live"` starts no process."""
    if request.node.get_closest_marker("live") is None:
        pytest.fail("a test that starts a live server must be marked @pytest.mark.live")
    servers: list[LiveServer] = []

    def start(
        workers: int | None = None, env: dict[str, str] | None = None, *, flags: bool = True
    ) -> LiveServer:
        url = fresh_database_url(tmp_path, f"live{len(servers)}")
        if workers is None:
            workers = 2 if is_postgres(url) else 1
        server = LiveServer(url, workers=workers, env=env, flags=flags)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
