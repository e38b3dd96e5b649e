"""What a successful customer-to-customer transfer does: one transaction of PointsTransfer
ledger entries (sender debited, recipient credited) with till and notes, the response shape,
and the breakup by earning program."""

from typing import Any

import pytest
from sqlalchemy import select, text
from transfer_builders import (
    ISTRANSFERRABLE,
    ORG,
    OTHER_PROGRAM,
    PROGRAM,
    RECIPIENT,
    RECIPIENT_MOBILE,
    SENDER,
    SENDER_MOBILE,
    TRANSFER,
    TRANSFER_STATE,
    identifier,
    org_seed,
    transfer_body,
)

from capillary_emulator.models import LedgerEntry, LedgerEvent, PointsTransfer
from tests.support import DEMO_AUTH, audit_ok, basic_auth, load_org, main_points, snapshot


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return load_org(client, org_seed(POINTS_TRANSFER_OTP_REQUIRED=False))


def transfer(client: Any, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(TRANSFER, json=body, headers=auth)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["errors"] == [], payload
    return dict(payload["data"][0])


class TestTransfer:
    def test_moves_points_and_describes_the_transfer(self, client, auth):
        client.post("/_emulator/clock", json={"set": "2024-03-01T10:00:00Z"})
        record = transfer(client, auth, transfer_body(25, notes="for lunch"))
        assert record == {
            "toEntityId": RECIPIENT,
            "toEntityType": "CUSTOMER",
            "fromEntityId": SENDER,
            "fromEntityType": "CUSTOMER",
            "pointsTransferDate": "2024-03-01 15:30:00",
            "pointsTransferDateISO": "2024-03-01T15:30:00+05:30",
            "pointsTransferred": 25.0,
            "transferId": record["transferId"],
            "transferType": "DEDUCTION",
            "transferredFrom": {"userId": SENDER, "firstName": "Sam", "lastName": "Sender"},
            "transferredTo": {"userId": RECIPIENT, "firstName": "Rita", "lastName": "Recipient"},
            "notes": "for lunch",
            "programName": "Test Default",
            "pointsTransferBreakupByEarningPrograms": [
                {"programId": PROGRAM, "deductedPoints": 25.0, "programCurrentPoints": 75}
            ],
        }
        assert isinstance(record["transferId"], int)
        assert main_points(client, SENDER, PROGRAM) == 75_000
        assert main_points(client, RECIPIENT, PROGRAM) == 25_000
        audit_ok(client)

    def test_writes_one_pointstransfer_event_per_side(self, client, auth, session):
        record = transfer(client, auth, transfer_body(30, notes="split the bill"))
        events = (
            session.execute(
                select(LedgerEvent).where(
                    LedgerEvent.org_id == ORG, LedgerEvent.event_name == "PointsTransfer"
                )
            )
            .scalars()
            .all()
        )
        assert {(e.owner_id, e.till_id, e.notes) for e in events} == {
            (SENDER, ORG * 10 + 1, "split the bill"),
            (RECIPIENT, ORG * 10 + 1, "split the bill"),
        }
        entries = session.execute(
            select(LedgerEntry.owner_id, LedgerEntry.entry_type, LedgerEntry.points_milli,
                   LedgerEntry.program_id, LedgerEntry.category)
            .where(LedgerEntry.event_id.in_([e.id for e in events]))
        ).all()  # fmt: skip
        assert sorted(entries) == [
            (SENDER, "DEBIT", -30_000, PROGRAM, "Main"),
            (RECIPIENT, "CREDIT", 30_000, PROGRAM, "Main"),
        ]
        journal = session.get(PointsTransfer, record["transferId"])
        assert (journal.from_id, journal.to_id, journal.points_milli) == (SENDER, RECIPIENT, 30_000)
        assert journal.till_id == ORG * 10 + 1
        session.rollback()

    def test_both_sides_events_store_the_same_time(self, client, auth, session):
        # Read raw: a time the driver got unconverted would be stored in its own text on SQLite
        # ("...+00:00"), and shifted by the server's time zone on Postgres.
        client.post("/_emulator/clock", json={"set": "2024-03-01T10:00:00Z"})
        transfer(client, auth, transfer_body(5))
        stored = session.execute(
            text(
                "SELECT DISTINCT created_at FROM ledger_events"
                " WHERE org_id = :org AND event_name = 'PointsTransfer'"
            ),
            {"org": ORG},
        ).all()
        assert len(stored) == 1, stored
        (value,) = stored[0]
        assert str(value)[:19] == "2024-03-01 10:00:00", value
        session.rollback()

    def test_missing_program_uses_the_default_program(self, client, auth):
        body = transfer_body(10)
        del body["programId"]
        record = transfer(client, auth, body)
        assert record["programName"] == "Test Default"
        assert main_points(client, SENDER, PROGRAM) == 90_000
        assert main_points(client, SENDER, OTHER_PROGRAM) == 50_000

    def test_moves_points_of_the_chosen_program_only(self, client, auth):
        record = transfer(client, auth, transfer_body(50, programId=str(OTHER_PROGRAM)))
        assert record["programName"] == "Test Other"
        assert record["pointsTransferBreakupByEarningPrograms"] == [
            {"programId": OTHER_PROGRAM, "deductedPoints": 50.0, "programCurrentPoints": 0}
        ]
        assert main_points(client, SENDER, PROGRAM) == 100_000
        assert main_points(client, RECIPIENT, OTHER_PROGRAM) == 50_000

    def test_whole_balance_can_move(self, client, auth):
        transfer(client, auth, transfer_body(100))
        assert main_points(client, SENDER, PROGRAM) == 0
        audit_ok(client)

    def test_fraction_is_cut_off_by_default(self, client, auth):
        record = transfer(client, auth, transfer_body(10.9))
        assert record["pointsTransferred"] == 10.0
        assert main_points(client, SENDER, PROGRAM) == 90_000
        assert main_points(client, RECIPIENT, PROGRAM) == 10_000

    def test_numeric_string_amount(self, client, auth):
        assert transfer(client, auth, transfer_body("12"))["pointsTransferred"] == 12.0

    def test_newer_spelling_of_the_amount(self, client, auth):
        body = transfer_body()
        del body["pointsTobeTransferred"]
        body["pointsToBeTransferred"] = 7
        assert transfer(client, auth, body)["pointsTransferred"] == 7.0

    def test_missing_notes_are_empty(self, client, auth):
        body = transfer_body()
        del body["notes"]
        assert transfer(client, auth, body)["notes"] == ""

    @pytest.mark.parametrize(
        ("sender", "recipient"),
        [
            (identifier("MOBILE", SENDER_MOBILE), identifier("MOBILE", "91" + RECIPIENT_MOBILE)),
            (identifier("MOBILE", "+91" + SENDER_MOBILE), identifier("ID", RECIPIENT)),
            (identifier("EMAIL", "sam@example.com"), identifier("EMAIL", "rita@example.com")),
            (identifier("EXTERNAL_ID", f"ext-{SENDER}"), identifier("ID", str(RECIPIENT))),
            (identifier("externalId", f"ext-{SENDER}"), identifier("mobile", RECIPIENT_MOBILE)),
        ],
        ids=["local-and-full-mobile", "plus-mobile-and-int-id", "email", "external-id", "camel"],
    )
    def test_resolves_every_identifier_form(self, client, auth, sender, recipient):
        body = transfer_body(5)
        body["fromCustomerIdentifier"] = sender
        body["toCustomerIdentifier"] = recipient
        record = transfer(client, auth, body)
        assert (record["fromEntityId"], record["toEntityId"]) == (SENDER, RECIPIENT)

    def test_recipient_keeps_the_senders_expiry(self, client):
        seed = {
            "orgs": [
                {
                    "orgId": ORG + 2,
                    "name": "Expiry",
                    "config": {
                        "ALLOW_POINTS_TRANSFER": True,
                        "POINTS_TRANSFER_OTP_REQUIRED": False,
                    },
                    "tills": [{"tillId": 9200001, "code": "till-expiry", "password": "pw"}],
                    "programs": [{"programId": 9200001, "name": "P", "default": True}],
                    "customers": [
                        {"userId": 9200001001, "identifiers": {"mobile": "5550001"},
                         "points": [{"programId": 9200001, "points": 40, "expiresAt": "P1D"}]},
                        {"userId": 9200001002, "identifiers": {"mobile": "5550002"}},
                    ],
                }
            ]
        }  # fmt: skip
        assert client.post("/_emulator/seed", json=seed).status_code == 200
        body = {
            "pointsTobeTransferred": 40,
            "fromCustomerIdentifier": {"type": "MOBILE", "value": "5550001"},
            "toCustomerIdentifier": {"type": "MOBILE", "value": "5550002"},
        }
        transfer(client, basic_auth("till-expiry", "pw"), body)
        assert main_points(client, 9200001002, 9200001) == 40_000
        client.post("/_emulator/clock", json={"advance": "P2D"})
        assert main_points(client, 9200001002, 9200001) == 0
        audit_ok(client)


class TestIsTransferrable:
    def test_changes_nothing_without_issue_otp(self, client, auth):
        before = snapshot(client, TRANSFER_STATE)
        response = client.post(ISTRANSFERRABLE, json=transfer_body(100), headers=auth)
        data = response.json()["data"][0]
        assert data["transferrable"] is True
        assert data["pointsTobeTransferred"] == 100
        assert data["transferFrom"]["id"] == SENDER
        assert data["transferTo"]["profiles"][0]["identifiers"] == [
            {"type": "mobile", "value": "91" + RECIPIENT_MOBILE},
            {"type": "email", "value": "rita@example.com"},
        ]
        assert snapshot(client, TRANSFER_STATE) == before

    def test_echoes_whole_points_after_cutting_the_fraction(self, client, auth):
        response = client.post(ISTRANSFERRABLE, json=transfer_body(10.5), headers=auth)
        assert response.json()["data"][0]["pointsTobeTransferred"] == 10

    def test_demo_sample_mobile_resolves_with_the_country_code(self, client):
        body = {
            "pointsTobeTransferred": 10,
            "fromCustomerIdentifier": {"type": "MOBILE", "value": "917799497290"},
            "toCustomerIdentifier": {"type": "ID", "value": "342953257"},
        }
        response = client.post(ISTRANSFERRABLE, json=body, headers=DEMO_AUTH)
        assert response.json()["data"][0]["transferFrom"]["id"] == 32429961
