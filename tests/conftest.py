"""Test harness: a real database (a SQLite file, or Postgres via CAPEMU_TEST_DATABASE_URL),
the schema built by the real migrations, and the demo seed restored before every test."""

import base64
import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.orm import Session

from capillary_emulator.config import DEMO_SEED_FILE, Settings
from capillary_emulator.main import create_app

DEMO_ORG = 100458
DEMO_TILL = "org2.till1"
DEMO_PASSWORD = "till123"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVE_COMMAND = ["capillary-emulator", "serve"]
"""The start command of the docker image and compose file; live servers run exactly this."""


def basic_auth(till: str = DEMO_TILL, password: str = DEMO_PASSWORD) -> dict[str, str]:
    token = f"{till}:{hashlib.md5(password.encode()).hexdigest()}"
    return {"Authorization": "Basic " + base64.b64encode(token.encode()).decode()}


DEMO_AUTH = basic_auth()


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


_CREATED_DATABASES: list[str] = []


def _fresh_database_url(tmp_root: Path, name: str) -> str:
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


@pytest.fixture(scope="session", autouse=True)
def _drop_created_databases() -> Iterator[None]:
    yield
    pg = os.environ.get("CAPEMU_TEST_DATABASE_URL")
    if not pg or not _CREATED_DATABASES:
        return
    engine = create_engine(make_url(pg).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for database in _CREATED_DATABASES:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _fresh_database_url(tmp_path_factory.mktemp("db"), "emulator")


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
    (objects are expired before each statement and after each `get`); never write with it."""
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


def assert_error(response: Any, code: int, message: str, status: int = 200) -> None:
    """A v2 error answer: that HTTP status and exactly one error item, nothing else."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("warnings") == [], body
    assert body["errors"] == [{"status": False, "code": code, "message": message}], body
    assert body.get("data") in (None, []), body


def audit_ok(client: TestClient | httpx.Client) -> None:
    body = client.get("/_emulator/audit").json()
    assert body["ok"], body["violations"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`capillary-emulator serve` as a real process over HTTP."""

    def __init__(self, database_url: str, workers: int = 1, env: dict[str, str] | None = None):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CAPEMU_DATABASE_URL": database_url,
            "CAPEMU_LOG_LEVEL": "warning",
            **(env or {}),
        }
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> "LiveServer":
        executable = str(Path(sys.executable).parent / SERVE_COMMAND[0])
        self.process = subprocess.Popen(
            [executable, *SERVE_COMMAND[1:], "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            try:
                if httpx.get(self.base_url + "/_emulator/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("emulator did not become healthy")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Any]:
    """Start real servers: `live_server_factory(workers=2)`; each on a fresh database."""
    servers: list[LiveServer] = []

    def start(workers: int = 1, env: dict[str, str] | None = None) -> LiveServer:
        url = _fresh_database_url(tmp_path, f"live{len(servers)}")
        server = LiveServer(url, workers=workers, env=env)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
