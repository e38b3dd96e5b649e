"""Issue 12, a permanent check: `kill -9` a served worker while transfers run (SQLite: the one
serving process; Postgres: one of two workers), start the emulator again on the same database:
every transfer that was acknowledged is there, and the audit is ok."""

import os
import signal
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from capillary_emulator.models import PointsTransfer
from tests.support import LiveServer, audit_ok, is_postgres
from tests.support.databases import fresh_database_url
from tests.support.traffic import Traffic, write_traffic_seed

ANSWERS_BEFORE_THE_KILL = 60


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def serving_process(server: LiveServer) -> int:
    """The pid of a process that serves requests: a worker, or the server itself when it has
    none (one worker runs in the server's own process)."""
    assert server.process is not None
    pid = server.process.pid
    # With workers, uvicorn's children are its workers (and multiprocessing's resource tracker,
    # which serves nothing: the first child started is a worker).
    workers = children(pid)
    return workers[0] if server.workers > 1 and workers else pid


def kill_all(server: LiveServer) -> None:
    """SIGKILL the server and whatever it started (a worker left alone would keep serving)."""
    assert server.process is not None
    for child in children(server.process.pid):
        os.kill(child, signal.SIGKILL)
    server.process.kill()
    server.process.wait()


def stored_transfer_ids(url: str) -> set[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(select(PointsTransfer.id)).scalars())
    finally:
        engine.dispose()


@pytest.mark.live
def test_acknowledged_transfers_survive_a_killed_worker(tmp_path):
    url = fresh_database_url(tmp_path, "crash")
    workers = 2 if is_postgres(url) else 1
    env = {"CAPEMU_SEED_FILE": str(write_traffic_seed(tmp_path))}
    server = LiveServer(url, workers=workers, env=env).start()
    answered = threading.Semaphore(0)
    traffic = Traffic(
        server.base_url, tolerate_connection_errors=True, on_answer=answered.release
    ).start()
    try:
        for _ in range(ANSWERS_BEFORE_THE_KILL):
            assert answered.acquire(timeout=120), traffic.failures
        os.kill(serving_process(server), signal.SIGKILL)
        for _ in range(5):  # the surviving worker (Postgres) keeps answering
            if workers > 1:
                assert answered.acquire(timeout=120), traffic.failures
    finally:
        traffic.join()
        kill_all(server)
    assert traffic.acknowledged
    assert traffic.failures == []  # connection errors are tolerated, 5xx answers are not
    restarted = LiveServer(url, workers=workers, env=env).start()
    try:
        assert set(traffic.acknowledged) <= stored_transfer_ids(url)
        with restarted.client() as http:
            audit_ok(http)
    finally:
        restarted.stop()
