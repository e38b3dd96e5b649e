"""GET /v1.1/points/validationcode, v1.1 redeem by `customer.id`,
PUT /v2/points/updateRedemption."""

from typing import Any
from xml.etree import ElementTree

from capillary_emulator.redemptions.schemas import RedemptionUpdated, ValidationCodeResponse
from tests.reversals.reversal_builders import BECKY, BECKY_MOBILE, SEEDED, redeem
from tests.support import DEMO_AUTH, assert_error, audit_ok

CODE = "/v1.1/points/validationcode"
REDEEM = "/v1.1/points/redeem"
UPDATE = "/v2/points/updateRedemption"


def points_codes(client: Any) -> list[str]:
    otps = client.get(
        "/_emulator/otps", params={"identifierType": "mobile", "identifierValue": BECKY_MOBILE}
    ).json()["otps"]
    return [o["code"] for o in otps if o["action"] == "POINTS"]


def redeem_with(client: Any, customer: dict[str, Any], **item: Any) -> dict[str, Any]:
    body = {"root": {"redeem": {"points_redeemed": "10", "customer": customer, **item}}}
    response = client.post(REDEEM, params={"format": "json"}, json=body, headers=DEMO_AUTH)
    return dict(response.json()["response"]["responses"]["points"])


class TestValidationCode:
    def test_issues_the_code_redeem_then_takes(self, client):
        response = client.get(
            CODE,
            params={"mobile": BECKY_MOBILE, "points": "50", "format": "json"},
            headers=DEMO_AUTH,
        )
        body = response.json()
        ValidationCodeResponse.model_validate(body)
        assert body["response"]["status"] == {
            "success": "true",
            "code": 200,
            "message": "Operation Successful",
        }
        code = body["response"]["validation_code"]["code"]
        assert (code["user_id"], code["mobile"], code["points"]) == (str(BECKY), BECKY_MOBILE, "50")
        assert code["item_status"]["message"] == "Validation Code Issued by SMS/Email"
        [issued] = points_codes(client)
        # Asked again while valid: the same code.
        client.get(CODE, params={"user_id": str(BECKY), "points": "50"}, headers=DEMO_AUTH)
        assert points_codes(client) == [issued]
        assert (
            redeem_with(client, {"mobile": BECKY_MOBILE}, validation_code="WRONG1")["item_status"][
                "code"
            ]
            == 808
        )
        item = redeem_with(client, {"mobile": BECKY_MOBILE}, validation_code=issued)
        assert item["item_status"]["code"] == 800, item
        assert item["side_effects"]["effect"][0]["validation_code"] == issued
        audit_ok(client)

    def test_refusals_are_items_of_a_500(self, client):
        missing = client.get(
            CODE, params={"mobile": "9999999999", "points": "5"}, headers=DEMO_AUTH
        )
        body = missing.json()["response"]
        assert body["status"]["code"] == 500 and body["status"]["success"] == "false"
        assert body["validation_code"]["code"]["item_status"]["code"] == 816
        bad = client.get(CODE, params={"mobile": BECKY_MOBILE, "points": "-5"}, headers=DEMO_AUTH)
        assert bad.json()["response"]["validation_code"]["code"]["item_status"]["code"] == 801
        assert points_codes(client) == []

    def test_xml(self, client):
        response = client.get(
            CODE, params={"mobile": BECKY_MOBILE, "points": "5", "format": "xml"}, headers=DEMO_AUTH
        )
        assert response.headers["content-type"].startswith("application/xml")
        root = ElementTree.fromstring(response.text)
        assert root.findtext("status/code") == "200"
        assert root.findtext("validation_code/code/user_id") == str(BECKY)


def test_v11_redeem_takes_customer_id(client):
    body = {"root": {"redeem": {"points_redeemed": "10", "customer": {"id": str(BECKY)}}}}
    response = client.post(
        REDEEM, params={"format": "json", "skip_validation": "true"}, json=body, headers=DEMO_AUTH
    )
    item = response.json()["response"]["responses"]["points"]
    assert (item["item_status"]["code"], item["user_id"], item["balance"]) == (800, str(BECKY), 170)


def update(client: Any, **body: Any) -> Any:
    return client.put(UPDATE, json=body, headers=DEMO_AUTH)


class TestUpdateRedemption:
    def test_sets_bill_number_and_purpose(self, client):
        code = redeem(client, 15)
        response = update(
            client,
            redemptionId=code,
            billNumber="txn-79",
            billId=12345678901,
            purpose="gift",
            entity={"identifierType": "mobile", "identifierValue": BECKY_MOBILE},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        RedemptionUpdated.model_validate(body)
        assert (body["redemptionId"], body["billNumber"], body["billId"], body["purpose"]) == (
            code,
            "txn-79",
            12345678901,
            "gift",
        )
        assert (body["pointsRedeemed"], body["programId"], body["customerId"]) == (15.0, 141, BECKY)
        assert "externalReferenceNumber" not in body and body["warnings"] == []
        listed = client.get(
            "/v1.1/customer/redemptions", params={"mobile": BECKY_MOBILE}, headers=DEMO_AUTH
        ).json()["response"]["customer"]["redemptions"]["points"]["point"]
        assert (
            next(p for p in listed if p["redemption_id"] == code)["transaction_number"] == "txn-79"
        )
        audit_ok(client)

    def test_by_external_reference_of_the_entity(self, client):
        body = {
            "root": {
                "redeem": {
                    "points_redeemed": 5,
                    "customer": {"mobile": BECKY_MOBILE},
                    "external_reference_number": "ext-9",
                }
            }
        }
        client.post(REDEEM, params={"skip_validation": "true"}, json=body, headers=DEMO_AUTH)
        entity = {"type": "CUSTOMER", "identifierType": "mobile", "identifierValue": BECKY_MOBILE}
        found = update(client, externalReferenceNumber="ext-9", entity=entity, billNumber="b2")
        assert found.json()["externalReferenceNumber"] == "ext-9"
        assert found.json()["billId"] == -1
        assert_error(
            update(client, externalReferenceNumber="ext-9"), 904, "Invalid customer details passed."
        )

    def test_codes(self, client):
        assert_error(
            update(client, billNumber="x"), 901, "Invalid points or points redemption Id passed."
        )
        assert_error(update(client, redemptionId="NOPE00"), 902, "Redemption ID does not exist.")
        other = {"identifierType": "mobile", "identifierValue": "917799497290"}
        assert_error(
            update(client, redemptionId=SEEDED, entity=other),
            904,
            "Invalid customer details passed.",
        )
        group = {"type": "USERGROUP2", "identifierType": "mobile", "identifierValue": BECKY_MOBILE}
        assert update(client, redemptionId=SEEDED, entity=group).json()["errors"][0]["code"] == 1208
        assert update(client, redemptionId=SEEDED, billId=0).status_code == 400
        assert update(client, redemptionId=SEEDED, purpose="p" * 256).status_code == 400
