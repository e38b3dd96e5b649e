"""Every setting of the README's table, given through the real environment of a real
`capillary-emulator serve` process (pydantic-settings reads text there, which is where a
`Literal[200, 400]` once failed)."""

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from capillary_emulator.models import Org
from tests.foundation.test_ledger_bulk import ORG, small_org
from tests.support.api import DEMO_AUTH, basic_auth

BALANCE = "/v2/pointsLedger/getCustomerLedgerBalance"
UNKNOWN = {"identifierName": "mobile", "identifierValue": "nobody-has-this", "source": "INSTORE"}
ADMIN = {"X-CAPEMU-ADMIN-TOKEN": "s3cret"}


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(p) for p in listing.read().split()]


def _orgs(url: str) -> list[int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = list(connection.execute(select(Org.id)).scalars())
        assert connection.execute(select(func.count()).select_from(Org)).scalar_one() == len(found)
    engine.dispose()
    return found


@pytest.mark.live
class TestEnvironment:
    def test_every_setting_reaches_serve(self, live_server_factory, tmp_path: Path):
        seed = tmp_path / "small.json"
        seed.write_text(json.dumps(small_org()))
        server = live_server_factory(
            workers=1,
            flags=False,  # CAPEMU_HOST / CAPEMU_PORT / CAPEMU_WORKERS, no --host/--port flags
            env={
                "CAPEMU_SEED_FILE": str(seed),
                "CAPEMU_BUSINESS_ERROR_STATUS": "400",
                "CAPEMU_ADMIN_TOKEN": "s3cret",
                "CAPEMU_JOURNAL_SIZE": "2",
                "CAPEMU_LOG_LEVEL": "info",
            },
        )
        till = basic_auth("bulk.till", "pw")
        with server.client() as http:
            # CAPEMU_SEED_FILE: the small org was seeded, the demo org was not.
            assert _orgs(server.env["CAPEMU_DATABASE_URL"]) == [ORG]
            assert http.get(BALANCE, params=UNKNOWN, headers=DEMO_AUTH).status_code == 401
            # CAPEMU_BUSINESS_ERROR_STATUS=400 (text in the environment).
            refused = http.get(BALANCE, params=UNKNOWN, headers=till)
            assert refused.status_code == 400
            assert refused.json()["errors"][0]["code"] == 8015
            # CAPEMU_ADMIN_TOKEN: the control plane needs it, health does not.
            assert http.get("/_emulator/health").json() == {"status": "ok"}
            assert http.get("/_emulator/audit").status_code == 403
            assert http.post("/_emulator/reset").status_code == 403
            assert http.get("/_emulator/audit", headers=ADMIN).json()["ok"] is True
            # CAPEMU_JOURNAL_SIZE=2: only the last two Capillary calls are kept.
            for _ in range(3):
                http.get(BALANCE, params=UNKNOWN, headers=till)
            journal = http.get("/_emulator/journal", headers=ADMIN).json()
            assert len(journal["entries"]) == 2
        # CAPEMU_HOST / CAPEMU_PORT: it answered on the port given only in the environment;
        # CAPEMU_WORKERS=1: no worker processes beside it.
        assert server.process is not None
        assert _children(server.process.pid) == []
        server.stop()
        # CAPEMU_LOG_LEVEL=info: uvicorn's info lines (the tests' default is warning).
        assert server.process.stderr is not None
        logged = server.process.stderr.read().decode()
        assert f"Uvicorn running on http://127.0.0.1:{server.port}" in logged

    def test_business_status_200_and_workers_from_the_environment(self, live_server_factory):
        server = live_server_factory(
            workers=2, flags=False, env={"CAPEMU_BUSINESS_ERROR_STATUS": "200"}
        )
        with server.client() as http:
            answer = http.get(BALANCE, params=UNKNOWN, headers=DEMO_AUTH)
            assert answer.status_code == 200
            assert answer.json()["errors"][0]["code"] == 8015
        assert server.process is not None
        assert len(_children(server.process.pid)) >= 2  # two workers (and uvicorn's helpers)
        server.stop()
        assert server.process.stderr is not None
        assert server.process.stderr.read().decode() == ""  # CAPEMU_LOG_LEVEL=warning
