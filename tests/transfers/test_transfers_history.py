"""GET /v2/points/transfer: a customer's or a group's transfers, each seen from that side."""

from typing import Any

import pytest
from transfer_builders import (
    FRAUD,
    FRAUD_MOBILE,
    ORG,
    OTHER_PROGRAM,
    RECIPIENT,
    RECIPIENT_MOBILE,
    SENDER,
    SENDER_MOBILE,
    TRANSFER,
    org_seed,
    transfer_body,
)

from tests.support import (
    DEMO_AUTH,
    DEMO_ORG,
    assert_error,
    load_org,
)

HISTORY = "/v2/points/transfer"


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    seed = org_seed(
        POINTS_TRANSFER_OTP_REQUIRED=False, CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER=False
    )
    return load_org(client, seed)


def history(client: Any, auth: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get(HISTORY, params=params, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["errors"] == [], body
    return list(body["data"])


def move(client: Any, auth: dict[str, str], points: int, **fields: Any) -> int:
    response = client.post(TRANSFER, json=transfer_body(points, **fields), headers=auth)
    assert response.json()["errors"] == [], response.text
    return int(response.json()["data"][0]["transferId"])


def customer_query(mobile: str) -> dict[str, str]:
    return {"identifierName": "mobile", "identifierValue": mobile, "source": "INSTORE"}


class TestCustomerHistory:
    def test_same_transfer_is_deduction_for_sender_and_addition_for_recipient(self, client, auth):
        transfer_id = move(client, auth, 10, notes="hello")
        [sent] = history(client, auth, **customer_query(SENDER_MOBILE))
        [received] = history(client, auth, **customer_query("91" + RECIPIENT_MOBILE))
        assert sent["transferId"] == received["transferId"] == transfer_id
        assert sent["transferType"] == "DEDUCTION"
        assert received["transferType"] == "ADDITION"
        assert {k: v for k, v in sent.items() if k != "transferType"} == {
            k: v for k, v in received.items() if k != "transferType"
        }
        assert sent["pointsTransferred"] == 10.0
        assert sent["notes"] == "hello"
        assert sent["programName"] == "Test Default"
        assert sent["transferredFrom"]["userId"] == SENDER
        assert "pointsTransferBreakupByEarningPrograms" not in sent

    def test_newest_first_and_both_directions(self, client, auth):
        first = move(client, auth, 10)
        client.post("/_emulator/clock", json={"advance": "PT1M"})
        second = move(client, auth, 5, sender=FRAUD_MOBILE, recipient=SENDER_MOBILE)
        records = history(client, auth, **customer_query(SENDER_MOBILE))
        assert [(r["transferId"], r["transferType"]) for r in records] == [
            (second, "ADDITION"),
            (first, "DEDUCTION"),
        ]
        assert records[0]["transferredFrom"]["userId"] == FRAUD

    def test_program_filter(self, client, auth):
        move(client, auth, 10)
        other = move(client, auth, 5, programId=OTHER_PROGRAM)
        records = history(
            client, auth, programId=str(OTHER_PROGRAM), **customer_query(SENDER_MOBILE)
        )
        assert [r["transferId"] for r in records] == [other]

    def test_by_user_id(self, client, auth):
        move(client, auth, 10)
        records = history(
            client, auth, identifierName="id", identifierValue=str(RECIPIENT), source="INSTORE"
        )
        assert records[0]["transferType"] == "ADDITION"

    def test_empty_history(self, client, auth):
        assert history(client, auth, **customer_query(SENDER_MOBILE)) == []

    def test_multi_account_source_needs_account_id(self, client, auth):
        response = client.get(
            HISTORY,
            params={**customer_query(SENDER_MOBILE), "source": "WECHAT"},
            headers=auth,
        )
        assert_error(response, 8045, "Account id is not passed.")
        params = {**customer_query(SENDER_MOBILE), "source": "WECHAT", "accountId": "WECHAT-SN"}
        assert history(client, auth, **params) == []


class TestGroupHistory:
    def test_group_form_of_the_seed_sample(self, client):
        # The demo supplement's transfer, which the seed's history sample shows.
        records = history(
            client,
            DEMO_AUTH,
            programId="765",
            identifierName="id",
            identifierValue="2626",
            userEntityType="USERGROUP2",
        )
        [record] = records
        assert record["transferId"] == 6545
        assert record["transferType"] == "DEDUCTION"
        assert (record["fromEntityType"], record["fromEntityId"]) == ("USERGROUP2", 2626)
        assert record["transferredFromUserGroup2"]["id"] == 2626
        assert len(record["transferredFromUserGroup2"]["fleetGroupUsers"]) == 5
        assert record["transferredTo"] == {"userId": 418400980, "firstName": "", "lastName": ""}
        assert record["programName"] == "SunRiseDefaultProgram"
        [received] = history(
            client, DEMO_AUTH, identifierName="mobile", identifierValue="918662420128",
            source="WECHAT", accountId="WECHAT-SN",
        )  # fmt: skip
        assert received["transferType"] == "ADDITION"

    def test_group_by_external_id_and_other_program(self, client):
        params = {"identifierName": "externalId", "identifierValue": "grp-2626",
                  "userEntityType": "usergroup2"}  # fmt: skip
        assert len(history(client, DEMO_AUTH, **params)) == 1
        assert history(client, DEMO_AUTH, programId="141", **params) == []


class TestHistoryErrors:
    @pytest.mark.parametrize(
        ("params", "code", "message"),
        [
            (customer_query("9811111111"), 8015, "Customer not found for the given identifiers"),
            ({**customer_query("1"), "identifierName": "passport"}, 8013,
             "Invalid identifier passed"),
            ({**customer_query(SENDER_MOBILE), "source": "MOON"}, 8012, "Invalid source passed."),
            ({"identifierName": "mobile", "identifierValue": SENDER_MOBILE}, 8012,
             "Invalid source passed."),
            ({**customer_query(SENDER_MOBILE), "programId": "141"}, 885,
             "Invalid program id passed"),
            ({**customer_query(SENDER_MOBILE), "programId": "x"}, 885, "Invalid program id passed"),
            ({**customer_query(SENDER_MOBILE), "userEntityType": "FLEET"}, 1208,
             "Entity type is missing or invalid in the request payload"),
            ({"identifierName": "id", "identifierValue": "2626", "userEntityType": "USERGROUP2"},
             1645, "group details passed are not valid"),
            ({"identifierName": "mobile", "identifierValue": "1", "userEntityType": "USERGROUP2"},
             8013, "Invalid identifier passed"),
            ({}, 8013, "Invalid identifier passed"),
        ],
    )  # fmt: skip
    def test_rejects(self, client, auth, params, code, message):
        response = client.get(HISTORY, params=params, headers=auth)
        assert_error(response, code, message)

    def test_another_orgs_customer_is_not_found(self, client, auth):
        response = client.get(HISTORY, params=customer_query("7799497290"), headers=auth)
        assert_error(response, 8015, "Customer not found for the given identifiers")
        response = client.get(
            HISTORY, params={**customer_query("x"), "identifierName": "id",
                             "identifierValue": str(SENDER)}, headers=DEMO_AUTH,
        )  # fmt: skip
        assert_error(response, 8015, "Customer not found for the given identifiers")

    def test_org_scoping_of_groups(self, client, auth):
        params = {"identifierName": "id", "identifierValue": "2626", "userEntityType": "USERGROUP2"}
        assert_error(
            client.get(HISTORY, params=params, headers=auth),
            1645,
            "group details passed are not valid",
        )
        assert ORG != DEMO_ORG
