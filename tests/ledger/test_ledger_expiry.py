from datetime import datetime, timedelta

from ledger_scenarios import write_event

from capillary_emulator import clock
from capillary_emulator.db import transaction
from capillary_emulator.writer.core import Debit, Owner
from tests.support import DEMO_AUTH, DEMO_ORG, audit_ok

TOM = 32429961
"""Tom Sawyer: 1000 Main points in program 141 that expire 365 days after the seed loads."""
DEMO_TILL_ID = 15041276


def tom_balance(client, **params):
    return client.get(
        "/v2/pointsLedger/getCustomerLedgerBalance",
        params={"identifierName": "mobile", "identifierValue": "7799497290", "source": "INSTORE",
                **params},
        headers=DEMO_AUTH,
    ).json()  # fmt: skip


def tom_info(client, **params):
    return client.get(
        "/v2/pointsLedger/getCustomerLedgerInfo",
        params={"identifierName": "mobile", "identifierValue": "7799497290", "source": "INSTORE",
                "order": "DESC", **params},
        headers=DEMO_AUTH,
    ).json()  # fmt: skip


def main_141(body):
    rows = body["ledgerDetails"]["ledgerClosingBalance"]
    return next(
        r["closingBalance"] for r in rows if (r["programId"], r["pointsCategory"]) == (141, "Main")
    )


def advance_clock_quietly(client, days):
    """Move the emulator clock without the control plane's expiry sweep."""
    with transaction(client.app.state.session_factory) as session:
        clock.advance(session, timedelta(days=days))


def expiry_events(body):
    return [e for e in body["ledgerEntries"] if e["eventName"] == "PointsExpiry"]


class TestExpiryOnRead:
    def test_nothing_expires_before_the_expiry_date(self, client):
        advance_clock_quietly(client, 300)
        assert main_141(tom_balance(client)) == "1000.000"
        # The seed's default window (the last 7 days) holds nothing now: 11003, no expiry.
        assert tom_info(client)["errors"][0]["code"] == 11003

    def test_balance_read_expires_due_points_first(self, client):
        advance_clock_quietly(client, 366)
        assert main_141(tom_balance(client)) == "0.000"
        audit_ok(client)

    def test_info_read_shows_the_expiry_debit(self, client):
        advance_clock_quietly(client, 366)
        body = tom_info(client)
        expiry = body["ledgerEntries"][0]
        assert expiry["eventName"] == "PointsExpiry"
        assert expiry["entryDetails"] == [
            {
                "ledgerEntryType": "DEBIT",
                "points": "1000.000",
                "pointsCategory": "Main",
                "programName": "Nightly_ApiAutoDefaultProgram",
                "programId": 141,
            }
        ]
        assert expiry["netPointsOnEvent"] == "-1000.000"
        assert (expiry["store"], expiry["storeCode"], expiry["tillCode"]) == ("", "", "")
        assert "transactionDetails" not in expiry
        audit_ok(client)

    def test_expires_only_once(self, client):
        advance_clock_quietly(client, 366)
        tom_balance(client)
        tom_info(client)
        assert len(expiry_events(tom_info(client))) == 1
        assert main_141(tom_balance(client)) == "0.000"


class TestExpiryOnClockAdvance:
    def test_clock_advance_writes_points_expiry(self, client):
        assert main_141(tom_balance(client)) == "1000.000"
        response = client.post("/_emulator/clock", json={"advance": "P366D"})
        assert response.status_code == 200
        assert main_141(tom_balance(client)) == "0.000"
        assert [e["netPointsOnEvent"] for e in expiry_events(tom_info(client))] == ["-1000.000"]
        audit_ok(client)

    def test_only_the_unspent_part_expires(self, client):
        now = datetime.fromisoformat(client.get("/_emulator/clock").json()["now"])
        write_event(
            client,
            org_id=DEMO_ORG,
            event_name="PointsRedemption",
            when=now,
            till_id=DEMO_TILL_ID,
            movements=[Debit(Owner("CUSTOMER", TOM), 141, "Main", 300_000)],
        )
        client.post("/_emulator/clock", json={"advance": "P366D"})
        body = tom_info(client)
        assert [e["netPointsOnEvent"] for e in expiry_events(body)] == ["-700.000"]
        assert main_141(tom_balance(client)) == "0.000"
        audit_ok(client)

    def test_closing_balance_before_the_expiry(self, client):
        client.post("/_emulator/clock", json={"advance": "P366D"})
        expired_at = datetime.fromisoformat(
            expiry_events(tom_info(client))[0]["ledgerCreatedDateISO"]
        )
        just_before = (expired_at - timedelta(seconds=1)).isoformat()
        assert main_141(tom_balance(client, endDate=just_before)) == "1000.000"
        # ledgerCreatedDateISO drops the fraction of a second.
        just_after = (expired_at + timedelta(seconds=1)).isoformat()
        assert main_141(tom_balance(client, endDate=just_after)) == "0.000"
