"""SQLite's write-ahead log is copied back into the database by the served app's checkpoint
thread, not by the request whose commit fills it (that request would pay tens of milliseconds:
the whole tail of the latency)."""

import time
from pathlib import Path

from fastapi.testclient import TestClient

from capillary_emulator.config import Settings
from capillary_emulator.main import create_app
from tests.support.traffic import AUTH, TRANSFER, transfer_body, write_traffic_seed

BATCHES = 8
TRANSFERS_PER_BATCH = 15


def test_requests_leave_checkpoints_to_the_thread_and_the_log_stays_bounded(tmp_path: Path):
    database = tmp_path / "emulator.db"
    settings = Settings(
        database_url=f"sqlite:///{database}", seed_file=write_traffic_seed(tmp_path)
    )
    wal = Path(f"{database}-wal")
    sizes = []
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        pooled = engine.raw_connection()
        try:
            autocheckpoint = pooled.driver_connection.execute(
                "PRAGMA wal_autocheckpoint"
            ).fetchone()
        finally:
            pooled.close()
        assert autocheckpoint == (0,)  # no request checkpoints
        for batch in range(BATCHES):
            for n in range(TRANSFERS_PER_BATCH):
                sender = (batch + n) % 2
                response = client.post(
                    TRANSFER, json=transfer_body(sender, 1 - sender), headers=AUTH
                )
                assert response.status_code == 200 and response.json()["errors"] == [], (
                    response.text
                )
            time.sleep(0.4)  # the thread checkpoints every 0.1 s; the next batch restarts the log
            sizes.append(wal.stat().st_size)
    # Unchecked, the log would hold every batch's pages: it would grow about BATCHES times.
    assert max(sizes[2:]) <= 2 * max(sizes[:2]), sizes
