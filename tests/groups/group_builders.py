"""Builders for the group transfer tests: an extra org with groups in every state, to load
through POST /_emulator/seed, request bodies, and what a failed request must leave untouched."""

from typing import Any

ORG = 700400
PASSWORD = "secret-group"
PROGRAM = ORG * 10 + 1
"""The org's default program."""
OTHER_PROGRAM = ORG * 10 + 2

PRIMARY = ORG * 1000 + 1
"""Primary member of GROUP."""
MEMBER = ORG * 1000 + 2
"""Secondary member of GROUP, allowed to transfer."""
BLOCKED = ORG * 1000 + 3
"""Secondary member of GROUP without allowPointsTransfer."""
FORMER = ORG * 1000 + 4
"""Inactive member of GROUP."""
OUTSIDER = ORG * 1000 + 5
"""In no group; holds 60 Main points of PROGRAM."""
MERGED = ORG * 1000 + 6
"""Merged into OUTSIDER."""
OTHER_PRIMARY = ORG * 1000 + 7
"""Primary member of OTHER_GROUP."""
SLEEPER = ORG * 1000 + 8
"""Primary member of INACTIVE_GROUP and DELETED_GROUP."""

GROUP = ORG * 10 + 5
"""ACTIVE, 100 Main points of PROGRAM and 40 of OTHER_PROGRAM."""
OTHER_GROUP = ORG * 10 + 6
"""ACTIVE, no points."""
INACTIVE_GROUP = ORG * 10 + 7
DELETED_GROUP = ORG * 10 + 8

ISTRANSFERRABLE = "/v2/points/userGroup2/isTransferrable"
TRANSFER = "/v2/points/userGroup2/transfer"
BOTH_ENDPOINTS = (ISTRANSFERRABLE, TRANSFER)

GROUP_STATE = ("balances", "lots", "ledger_entries", "transfers")
"""The parts of `snapshot` a failed request must leave untouched."""


def mobile_of(user_id: int) -> str:
    """Stored with the org's country code 91; clients may leave it out."""
    return f"9{user_id % 1_000_000_000:09d}"


def org_seed(org_id: int = ORG, **config: Any) -> dict[str, Any]:
    def customer(user_id: int, first: str, **extra: Any) -> dict[str, Any]:
        return {
            "userId": user_id,
            "firstName": first,
            "lastName": "Tester",
            "source": "WECHAT",
            "accountId": "WECHAT-T",
            "identifiers": {
                "mobile": "91" + mobile_of(user_id),
                "email": f"{first.lower()}@example.com",
                "externalId": f"ext-{user_id}",
            },
            **extra,
        }

    return {
        "orgs": [
            {
                "orgId": org_id,
                "name": f"Group Test Org {org_id}",
                "timezone": "+05:30",
                "defaultCountryCode": "91",
                "config": {"ENABLE_USER_GROUP_LOYALTY": True, **config},
                "tills": [{"tillId": org_id * 10 + 1, "code": f"till-{org_id}",
                           "password": PASSWORD, "storeCode": f"store-{org_id}"}],
                "programs": [
                    {"programId": PROGRAM, "name": "Group Default", "default": True},
                    {"programId": OTHER_PROGRAM, "name": "Group Other"},
                ],
                "customers": [
                    customer(PRIMARY, "Pam"),
                    customer(MEMBER, "Max"),
                    customer(BLOCKED, "Bea"),
                    customer(FORMER, "Fay"),
                    customer(OUTSIDER, "Otto", points=[{"programId": PROGRAM, "points": 60}]),
                    customer(MERGED, "Mia", mergedInto=OUTSIDER,
                             points=[{"programId": PROGRAM, "points": 60}]),
                    customer(OTHER_PRIMARY, "Ola"),
                    customer(SLEEPER, "Sly"),
                ],
                "userGroups": [
                    {"groupId": GROUP, "externalId": f"grp-{GROUP}", "name": "Active Fleet",
                     "createdBy": PRIMARY, "createdOn": "2021-10-07T15:42:02+05:30",
                     "lifetimePurchases": 400,
                     "members": [
                         {"userId": PRIMARY, "primaryMember": True},
                         {"userId": MEMBER},
                         {"userId": BLOCKED, "allowPointsTransfer": False},
                         {"userId": FORMER, "active": False},
                     ],
                     "points": [{"programId": PROGRAM, "points": 100},
                                {"programId": OTHER_PROGRAM, "points": 40}]},
                    {"groupId": OTHER_GROUP, "externalId": f"grp-{OTHER_GROUP}",
                     "members": [{"userId": OTHER_PRIMARY, "primaryMember": True}]},
                    {"groupId": INACTIVE_GROUP, "status": "INACTIVE",
                     "members": [{"userId": SLEEPER, "primaryMember": True}],
                     "points": [{"programId": PROGRAM, "points": 50}]},
                    {"groupId": DELETED_GROUP, "status": "DELETED",
                     "members": [{"userId": SLEEPER}],
                     "points": [{"programId": PROGRAM, "points": 50}]},
                ],
            }
        ]
    }  # fmt: skip


def group(group_id: object = GROUP, kind: str = "id") -> dict[str, Any]:
    return {"type": "USERGROUP2", "identifierType": kind, "identifierValue": str(group_id)}


def customer(user_id: int, kind: str = "mobile", value: object = None) -> dict[str, Any]:
    return {
        "type": "CUSTOMER",
        "identifierType": kind,
        "identifierValue": mobile_of(user_id) if value is None else value,
        "source": "WECHAT",
        "accountId": "WECHAT-T",
    }


def acting(user_id: int) -> dict[str, Any]:
    """`transferredBy`: a customer identified by mobile."""
    return {
        "identifierType": "mobile",
        "identifierValue": mobile_of(user_id),
        "source": "WECHAT",
        "accountId": "WECHAT-T",
    }


def body(
    points: object = 10,
    *,
    source: Any = None,
    target: Any = None,
    by: Any = PRIMARY,
    **fields: Any,
) -> dict[str, Any]:
    """Group -> customer by default: GROUP pays OUTSIDER, the primary member acting."""
    payload = {
        "pointsTobeTransferred": points,
        "notes": "group test",
        "programId": PROGRAM,
        "transferredBy": acting(by) if isinstance(by, int) else by,
        "toEntity": target if target is not None else customer(OUTSIDER),
        "fromEntity": source if source is not None else group(),
        **fields,
    }
    return {k: v for k, v in payload.items() if v is not None}
