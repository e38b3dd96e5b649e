"""Builders for the ledger tests: a second org with fixed dates, several tills and programs."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from capillary_emulator.db import transaction
from capillary_emulator.writer.core import Credit, Debit, Movement, Owner, write_points_event
from tests.support import audit_ok, basic_auth, load_org

ORG = 700001
TILL_NORTH = 700101
TILL_SOUTH_1 = 700102
TILL_SOUTH_2 = 700103
ALPHA = 7001
BETA = 7002
RICH = 70000001
"""A customer with events in every program, category, entry type and till."""
LONG = 70000002
"""A customer with 23 events (registration + 22 awards): three pages of ten."""
LONG_EVENTS = 23
GROUP = 7100
AUTH = basic_auth("ledger.north", "north123")
SOUTH_AUTH = basic_auth("ledger.south1", "south123")


def at(day: int, hour: int = 12) -> str:
    return f"2024-01-{day:02d}T{hour:02d}:00:00+00:00"


def ledger_org_seed(**config: Any) -> dict[str, Any]:
    """Events dated January 2024, so the whole history is the default window here (the seed's
    7 days before now would hold none of them); tests of the seed default pass the key off."""
    config = {"LEDGER_DEFAULT_WHOLE_HISTORY": True, **config}
    return {
        "orgs": [
            {
                "orgId": ORG,
                "name": "Ledger Test Org",
                "timezone": "+00:00",
                "config": config,
                "tills": [
                    {"tillId": TILL_NORTH, "code": "ledger.north", "password": "north123",
                     "storeName": "North", "storeCode": "north", "storeId": 71},
                    {"tillId": TILL_SOUTH_1, "code": "ledger.south1", "password": "south123",
                     "storeName": "South", "storeCode": "south", "storeId": 72},
                    {"tillId": TILL_SOUTH_2, "code": "ledger.south2", "password": "south123",
                     "storeName": "South", "storeCode": "south", "storeId": 72},
                ],
                "programs": [
                    {"programId": ALPHA, "name": "Alpha", "default": True},
                    {"programId": BETA, "name": "Beta"},
                ],
                "customers": [
                    {
                        "userId": RICH,
                        "firstName": "Rich",
                        "lastName": "Ledger",
                        "identifiers": {
                            "externalId": "led-1",
                            "mobile": "15550000001",
                            "email": "rich@example.com",
                            "cardnumber": "CARD-0001",
                            "cardExternalId": "CEXT-0001",
                        },
                        "createdAt": at(1),
                        "points": [
                            {"programId": ALPHA, "points": 100, "transactionNumber": "t-2",
                             "awardedAt": at(2)},
                            {"programId": BETA, "points": 50, "transactionNumber": "t-5",
                             "awardedAt": at(5)},
                            {"programId": ALPHA, "category": "DelayedAccrualPointCategory",
                             "points": 30, "awardedAt": at(10)},
                            {"programId": ALPHA, "category": "ExternalTriggerBasedPointCategory",
                             "points": 20, "awardedAt": at(15)},
                        ],
                    },
                    {
                        "userId": LONG,
                        "firstName": "Long",
                        "lastName": "Ledger",
                        "identifiers": {"externalId": "led-2"},
                        "createdAt": "2024-01-01T00:00:00+00:00",
                        "points": [
                            {"programId": ALPHA, "points": n, "transactionNumber": f"long-{n}",
                             "awardedAt": f"2024-01-01T{n:02d}:00:00+00:00"}
                            for n in range(1, LONG_EVENTS)
                        ],
                    },
                    {"userId": 70000003, "firstName": "Gail", "lastName": "Primary",
                     "identifiers": {"mobile": "15550000003"}, "createdAt": at(1)},
                ],
                "userGroups": [
                    {
                        "groupId": GROUP,
                        "externalId": "ledger-group",
                        "name": "Ledger Group",
                        "createdOn": at(3),
                        "members": [{"userId": 70000003, "primaryMember": True}],
                        "points": [{"programId": BETA, "points": 40, "transactionNumber": "g-1",
                                    "awardedAt": at(4)}],
                    }
                ],
                "redemptions": [
                    {"redemptionId": "LEDG01", "userId": RICH, "programId": ALPHA, "points": 30,
                     "transactionNumber": "t-25", "redeemedAt": at(25)}
                ],
            }
        ]
    }  # fmt: skip


def write_event(
    client: TestClient,
    *,
    event_name: str,
    when: datetime,
    movements: list[Movement],
    till_id: int | None,
    org_id: int = ORG,
) -> None:
    with transaction(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        write_points_event(
            session,
            org_id=org_id,
            event_name=event_name,
            now=when,
            till_id=till_id,
            movements=movements,
        )


def load_ledger_org(client: TestClient, **config: Any) -> None:
    """The org above, plus RICH's events at the south tills (seeds only use the first till)."""
    load_org(client, ledger_org_seed(**config))
    rich = Owner("CUSTOMER", RICH)
    write_event(
        client,
        event_name="TransactionAdd",
        when=datetime(2024, 1, 12, 12, tzinfo=UTC),
        movements=[Credit(rich, BETA, "Main", 70_000)],
        till_id=TILL_SOUTH_1,
    )
    write_event(
        client,
        event_name="PointsRedemption",
        when=datetime(2024, 1, 20, 12, tzinfo=UTC),
        movements=[Debit(rich, BETA, "Main", 10_500)],
        till_id=TILL_SOUTH_2,
    )


RICH_EVENTS = [
    # (date, eventName, till code, net points)
    (at(1), "CustomerRegistration", "ledger.north", "0.000"),
    (at(2), "TransactionAdd", "ledger.north", "100.000"),
    (at(5), "TransactionAdd", "ledger.north", "50.000"),
    (at(10), "TransactionAdd", "ledger.north", "30.000"),
    (at(12), "TransactionAdd", "ledger.south1", "70.000"),
    (at(15), "TransactionAdd", "ledger.north", "20.000"),
    (at(20), "PointsRedemption", "ledger.south2", "-10.500"),
    (at(25), "PointsRedemption", "ledger.north", "-30.000"),
]


def ledger_params(**params: Any) -> dict[str, Any]:
    return {"identifierName": "externalId", "identifierValue": "led-1", "source": "INSTORE",
            **params}  # fmt: skip


def info(client: TestClient, auth: dict[str, str] = AUTH, **params: Any) -> Any:
    return client.get(
        "/v2/pointsLedger/getCustomerLedgerInfo", params=ledger_params(**params), headers=auth
    )


def balance(client: TestClient, auth: dict[str, str] = AUTH, **params: Any) -> Any:
    return client.get(
        "/v2/pointsLedger/getCustomerLedgerBalance", params=ledger_params(**params), headers=auth
    )


def closing(body: dict[str, Any]) -> dict[tuple[int, str], str]:
    return {
        (row["programId"], row["pointsCategory"]): row["closingBalance"]
        for row in body["ledgerDetails"]["ledgerClosingBalance"]
    }


def ledger_snapshot(client: TestClient) -> Any:
    """Everything a failed read must leave as it was: RICH's ledger, balances and the audit."""
    audit_ok(client)
    return (info(client, limit=10).json(), balance(client).json())
