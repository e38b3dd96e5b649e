"""POST /v2/points/userGroup2/isTransferrable and /transfer: every direction and identifier."""

import pytest
from group_builders import (
    BLOCKED,
    GROUP,
    GROUP_STATE,
    ISTRANSFERRABLE,
    MEMBER,
    OTHER_GROUP,
    OTHER_PRIMARY,
    OTHER_PROGRAM,
    OUTSIDER,
    PRIMARY,
    PROGRAM,
    TRANSFER,
    body,
    customer,
    group,
    mobile_of,
    org_seed,
)

from capillary_emulator.models import PointsTransfer
from tests.support import audit_ok, basic_auth, load_org, main_points, snapshot

CUSTOMER = "CUSTOMER"
USERGROUP2 = "USERGROUP2"


class TestGroupToCustomer:
    def test_moves_points_from_group_to_customer(self, client):
        auth = load_org(client, org_seed())
        response = client.post(TRANSFER, json=body(25), headers=auth)
        assert response.status_code == 200, response.text
        assert response.json()["errors"] == []
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 75_000
        assert main_points(client, OUTSIDER, PROGRAM) == 85_000
        audit_ok(client)

    def test_answers_with_the_group_and_customer_sides(self, client):
        auth = load_org(client, org_seed())
        record = client.post(TRANSFER, json=body(25), headers=auth).json()["data"][0]
        assert record["fromEntityId"] == GROUP
        assert record["fromEntityType"] == USERGROUP2
        assert record["toEntityId"] == OUTSIDER
        assert record["toEntityType"] == CUSTOMER
        assert record["pointsTransferred"] == 25.0
        assert record["transferType"] == "DEDUCTION"
        assert isinstance(record["transferId"], int)
        assert record["transferredTo"] == {
            "userId": OUTSIDER,
            "firstName": "Otto",
            "lastName": "Tester",
        }
        side = record["transferredFromUserGroup2"]
        assert side["id"] == GROUP
        assert side["groupStatus"] == "ACTIVE"
        assert side["createdBy"] == PRIMARY
        assert side["createdOn"] == "2021-10-07T15:42:02+05:30"
        assert side["lifeTimePurchases"] == 400
        assert side["fleetGroupUsers"][0] == {
            "userId": PRIMARY,
            "groupId": GROUP,
            "defaultGroup": True,
            "active": True,
            "primaryMember": True,
        }
        assert [u["userId"] for u in side["fleetGroupUsers"]] == [
            PRIMARY,
            MEMBER,
            BLOCKED,
            PRIMARY + 3,
        ]
        assert record["notes"] == "group test"
        assert record["programName"] == "Group Default"
        assert record["pointsTransferBreakupByEarningPrograms"] == [
            {"programId": PROGRAM, "deductedPoints": 25.0, "programCurrentPoints": 75}
        ]
        assert "transferredFrom" not in record
        assert "transferredToUserGroup2" not in record

    def test_member_allowed_to_transfer_may_move_group_points(self, client):
        auth = load_org(client, org_seed())
        response = client.post(TRANSFER, json=body(5, by=MEMBER), headers=auth)
        assert response.json()["errors"] == []
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 95_000

    def test_records_the_acting_customer(self, client):
        auth = load_org(client, org_seed())
        client.post(TRANSFER, json=body(5, by=MEMBER), headers=auth)
        with client.app.state.session_factory() as session:
            transfer = session.query(PointsTransfer).filter_by(org_id=700400).one()
            assert transfer.transferred_by_id == MEMBER
            assert transfer.till_id == 700400 * 10 + 1

    @pytest.mark.parametrize(
        ("kind", "value"),
        [
            ("id", str(GROUP)),
            ("externalId", f"grp-{GROUP}"),
            ("primaryUserId", str(PRIMARY)),
            ("primaryUserMobile", "91" + mobile_of(PRIMARY)),
            ("primaryUserEmail", "pam@example.com"),
        ],
    )
    def test_finds_the_group_by_each_identifier(self, client, kind, value):
        auth = load_org(client, org_seed())
        response = client.post(TRANSFER, json=body(5, source=group(value, kind)), headers=auth)
        assert response.json()["errors"] == [], response.text
        assert response.json()["data"][0]["fromEntityId"] == GROUP

    @pytest.mark.parametrize(
        ("kind", "value"),
        [
            ("mobile", mobile_of(OUTSIDER)),
            ("mobile", "91" + mobile_of(OUTSIDER)),
            ("email", "otto@example.com"),
            ("externalId", f"ext-{OUTSIDER}"),
            ("id", str(OUTSIDER)),
        ],
    )
    def test_finds_the_customer_by_each_identifier(self, client, kind, value):
        auth = load_org(client, org_seed())
        target = customer(OUTSIDER, kind, value)
        response = client.post(TRANSFER, json=body(5, target=target), headers=auth)
        assert response.json()["errors"] == [], response.text
        assert response.json()["data"][0]["toEntityId"] == OUTSIDER

    def test_moves_whole_points_of_a_fraction(self, client):
        auth = load_org(client, org_seed())
        record = client.post(TRANSFER, json=body(10.5), headers=auth).json()["data"][0]
        assert record["pointsTransferred"] == 10.0
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 90_000
        assert main_points(client, OUTSIDER, PROGRAM) == 70_000

    def test_accepts_a_numeric_string(self, client):
        auth = load_org(client, org_seed())
        record = client.post(TRANSFER, json=body("7"), headers=auth).json()["data"][0]
        assert record["pointsTransferred"] == 7.0

    def test_uses_the_default_program_when_none_is_given(self, client):
        auth = load_org(client, org_seed())
        payload = body(5)
        del payload["programId"]
        record = client.post(TRANSFER, json=payload, headers=auth).json()["data"][0]
        assert record["programName"] == "Group Default"
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 95_000

    def test_moves_only_the_named_programs_points(self, client):
        auth = load_org(client, org_seed())
        client.post(TRANSFER, json=body(40, programId=OTHER_PROGRAM), headers=auth)
        assert main_points(client, GROUP, OTHER_PROGRAM, owner_type=USERGROUP2) == 0
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 100_000
        assert main_points(client, OUTSIDER, OTHER_PROGRAM) == 40_000

    def test_may_empty_the_group_wallet(self, client):
        auth = load_org(client, org_seed())
        response = client.post(TRANSFER, json=body(100), headers=auth)
        assert response.json()["errors"] == []
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 0
        audit_ok(client)

    def test_may_pay_a_member_of_the_group(self, client):
        auth = load_org(client, org_seed())
        response = client.post(TRANSFER, json=body(5, target=customer(MEMBER)), headers=auth)
        assert response.json()["errors"] == []
        assert main_points(client, MEMBER, PROGRAM) == 5_000


class TestCustomerToGroup:
    def test_moves_points_from_customer_to_group(self, client):
        auth = load_org(client, org_seed())
        payload = body(20, source=customer(OUTSIDER), target=group(), by=OUTSIDER)
        record = client.post(TRANSFER, json=payload, headers=auth).json()["data"][0]
        assert record["fromEntityType"] == CUSTOMER
        assert record["toEntityType"] == USERGROUP2
        assert record["transferredFrom"]["userId"] == OUTSIDER
        assert record["transferredToUserGroup2"]["id"] == GROUP
        assert "transferredTo" not in record
        assert record["pointsTransferBreakupByEarningPrograms"][0]["programCurrentPoints"] == 40
        assert main_points(client, OUTSIDER, PROGRAM) == 40_000
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 120_000
        audit_ok(client)

    def test_the_customer_may_leave_transferred_by_out(self, client):
        auth = load_org(client, org_seed())
        payload = body(20, source=customer(OUTSIDER), target=group(), by=None)
        assert "transferredBy" not in payload
        response = client.post(TRANSFER, json=payload, headers=auth)
        assert response.json()["errors"] == [], response.text
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 120_000

    def test_a_customer_may_pay_a_group_he_is_not_in(self, client):
        auth = load_org(client, org_seed())
        payload = body(20, source=customer(OUTSIDER), target=group(OTHER_GROUP), by=OUTSIDER)
        assert client.post(TRANSFER, json=payload, headers=auth).json()["errors"] == []
        assert main_points(client, OTHER_GROUP, PROGRAM, owner_type=USERGROUP2) == 20_000


class TestGroupToGroup:
    def test_moves_points_between_groups(self, client):
        auth = load_org(client, org_seed())
        payload = body(30, target=group(f"grp-{OTHER_GROUP}", "externalId"))
        record = client.post(TRANSFER, json=payload, headers=auth).json()["data"][0]
        assert record["transferredFromUserGroup2"]["id"] == GROUP
        assert record["transferredToUserGroup2"]["id"] == OTHER_GROUP
        assert record["transferredToUserGroup2"]["fleetGroupUsers"][0]["userId"] == OTHER_PRIMARY
        assert main_points(client, GROUP, PROGRAM, owner_type=USERGROUP2) == 70_000
        assert main_points(client, OTHER_GROUP, PROGRAM, owner_type=USERGROUP2) == 30_000
        audit_ok(client)

    def test_points_received_can_be_passed_on(self, client):
        auth = load_org(client, org_seed())
        client.post(TRANSFER, json=body(30, target=group(OTHER_GROUP)), headers=auth)
        payload = body(30, source=group(OTHER_GROUP), by=OTHER_PRIMARY)
        assert client.post(TRANSFER, json=payload, headers=auth).json()["errors"] == []
        assert main_points(client, OTHER_GROUP, PROGRAM, owner_type=USERGROUP2) == 0
        assert main_points(client, OUTSIDER, PROGRAM) == 90_000
        audit_ok(client)


class TestIsTransferrable:
    def test_says_transferrable_without_moving_points(self, client):
        auth = load_org(client, org_seed())
        before = snapshot(client, GROUP_STATE)
        response = client.post(ISTRANSFERRABLE, json=body(100), headers=auth)
        assert response.status_code == 200
        assert response.json() == {
            "data": [{"pointsTobeTransferred": 100.0, "transferrable": True}],
            "warnings": [],
            "errors": [],
        }
        assert snapshot(client, GROUP_STATE) == before

    def test_echoes_whole_points_of_a_fraction(self, client):
        auth = load_org(client, org_seed())
        data = client.post(ISTRANSFERRABLE, json=body(10.5), headers=auth).json()["data"]
        assert data == [{"pointsTobeTransferred": 10.0, "transferrable": True}]

    def test_checks_a_customer_to_group_transfer(self, client):
        auth = load_org(client, org_seed())
        payload = body(60, source=customer(OUTSIDER), target=group(), by=OUTSIDER)
        data = client.post(ISTRANSFERRABLE, json=payload, headers=auth).json()["data"]
        assert data == [{"pointsTobeTransferred": 60.0, "transferrable": True}]

    def test_does_not_count_points_past_their_expiry(self, client):
        seed = {
            "orgs": [
                {
                    "orgId": 700401,
                    "name": "Expiring",
                    "config": {"ENABLE_USER_GROUP_LOYALTY": True},
                    "tills": [{"tillId": 7004011, "code": "till-700401", "password": "p"}],
                    "programs": [{"programId": 7004011, "name": "P", "default": True}],
                    "customers": [
                        {"userId": 700401001, "identifiers": {"mobile": "700401001"}},
                    ],
                    "userGroups": [
                        {
                            "groupId": 7004015,
                            "members": [{"userId": 700401001, "primaryMember": True}],
                            "points": [
                                {"programId": 7004011, "points": 10, "expiresAt": "P1D"},
                                {"programId": 7004011, "points": 5},
                            ],
                        }
                    ],
                }
            ]
        }
        assert client.post("/_emulator/seed", json=seed).status_code == 200
        client.post("/_emulator/clock", json={"advance": "P2D"})
        auth = basic_auth("till-700401", "p")
        payload = {
            "pointsTobeTransferred": 6,
            "transferredBy": {"identifierType": "mobile", "identifierValue": "700401001"},
            "fromEntity": {
                "type": "USERGROUP2",
                "identifierType": "id",
                "identifierValue": 7004015,
            },
            "toEntity": {
                "type": "CUSTOMER",
                "identifierType": "id",
                "identifierValue": 700401001,
                "source": "INSTORE",
            },
        }
        response = client.post(ISTRANSFERRABLE, json=payload, headers=auth)
        assert response.json()["errors"][0]["code"] == 804
        payload["pointsTobeTransferred"] = 5
        assert client.post(ISTRANSFERRABLE, json=payload, headers=auth).json()["errors"] == []


class TestHistory:
    def test_lists_the_transfer_for_the_group(self, client):
        auth = load_org(client, org_seed())
        sent = client.post(TRANSFER, json=body(25), headers=auth).json()["data"][0]
        history = client.get(
            "/v2/points/transfer",
            params={
                "programId": PROGRAM,
                "identifierName": "id",
                "identifierValue": GROUP,
                "userEntityType": USERGROUP2,
            },
            headers=auth,
        ).json()
        assert history["errors"] == []
        expected = {k: v for k, v in sent.items() if k != "pointsTransferBreakupByEarningPrograms"}
        assert history["data"] == [expected]

    def test_lists_the_transfer_as_an_addition_for_the_customer(self, client):
        auth = load_org(client, org_seed())
        sent = client.post(TRANSFER, json=body(25), headers=auth).json()["data"][0]
        history = client.get(
            "/v2/points/transfer",
            params={
                "identifierName": "mobile",
                "identifierValue": mobile_of(OUTSIDER),
                "source": "WECHAT",
                "accountId": "WECHAT-T",
            },
            headers=auth,
        ).json()
        assert [(r["transferId"], r["transferType"]) for r in history["data"]] == [
            (sent["transferId"], "ADDITION")
        ]
