"""POST /v1.1/customer/add and /update, GET /v1.1/customer/transactions and /redemptions:
JSON and XML, each item's `item_status`, the request's 200 / 201 / 500."""

from typing import Any
from xml.etree import ElementTree

from capillary_emulator.customer_api.schemas import (
    V11CustomerGetAnswer,
    V11RedemptionsAnswer,
    V11TransactionsAnswer,
)
from tests.reversals.reversal_builders import (
    BECKY_MOBILE,
    SEEDED,
    TOM_MOBILE,
    redeem,
    reverse,
    reverse_body,
)
from tests.support import DEMO_AUTH, audit_ok

ADD = "/v1.1/customer/add"
UPDATE = "/v1.1/customer/update"
TRANSACTIONS = "/v1.1/customer/transactions"
REDEMPTIONS = "/v1.1/customer/redemptions"
GET = "/v1.1/customer/get"


def post(client: Any, path: str, *customers: Any, fmt: str = "json") -> Any:
    body = {"root": {"customer": list(customers)}}
    return client.post(path, params={"format": fmt}, json=body, headers=DEMO_AUTH)


def items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return list(response.json()["response"]["customers"]["customer"])


def status(response: Any) -> dict[str, Any]:
    return dict(response.json()["response"]["status"])


def get_customer(client: Any, **query: str) -> dict[str, Any]:
    [customer] = client.get(GET, params=query, headers=DEMO_AUTH).json()["response"]["customers"][
        "customer"
    ]
    return dict(customer)


class TestAdd:
    def test_registers_a_customer_that_get_then_finds(self, client):
        response = post(
            client,
            ADD,
            {"mobile": "9555000001", "email": "ann@example.com", "firstname": "Ann"},
        )
        [item] = items(response)
        V11CustomerGetAnswer.model_validate(response.json())
        assert status(response) == {
            "success": "true",
            "code": 200,
            "message": "Success",
            "total": 1,
            "success_count": 1,
        }
        assert item["item_status"] == {
            "success": "true",
            "code": 1000,
            "message": "Customer registration successful",
        }
        assert isinstance(item["user_id"], int) and item["user_id"] > 0
        assert (item["mobile"], item["email"], item["loyalty_points"]) == (
            "919555000001",
            "ann@example.com",
            0,
        )
        found = get_customer(client, email="ann@example.com")
        assert (found["user_id"], found["firstname"], found["type"]) == (
            item["user_id"],
            "Ann",
            "LOYALTY",
        )
        audit_ok(client)

    def test_each_item_fails_on_its_own(self, client):
        response = post(
            client,
            ADD,
            {"mobile": "9555000002"},
            {"mobile": TOM_MOBILE},
            {"email": "not-an-email"},
            {"firstname": "Nobody"},
            {"mobile": "12ab"},
            {"mobile": "9555000003", "type": "SOMETHING"},
        )
        codes = [i["item_status"]["code"] for i in items(response)]
        assert codes == [1000, 1032, 1002, 1007, 1001, 1023]
        assert status(response)["code"] == 201 and status(response)["success_count"] == 1
        assert get_customer(client, mobile="9555000003")["item_status"]["code"] == 1012

    def test_a_taken_email_or_external_id_and_all_failed(self, client):
        post(client, ADD, {"email": "e@example.com", "external_id": "X-1"})
        response = post(client, ADD, {"email": "e@example.com"}, {"external_id": "X-1"})
        assert [i["item_status"]["code"] for i in items(response)] == [1016, 1033]
        assert (status(response)["code"], status(response)["success"]) == (500, "false")

    def test_a_body_without_customers_is_invalid_input(self, client):
        response = client.post(ADD, json={"root": {}}, headers=DEMO_AUTH)
        assert response.status_code == 400
        assert response.json()["response"]["status"]["code"] == 400

    def test_xml(self, client):
        response = post(client, ADD, {"mobile": "9555000004"}, fmt="xml")
        assert response.headers["content-type"].startswith("application/xml")
        root = ElementTree.fromstring(response.text)
        assert root.findtext("status/code") == "200"
        assert root.findtext("customers/customer/item_status/code") == "1000"
        assert root.findtext("customers/customer/mobile") == "919555000004"


class TestUpdate:
    def test_changes_names_and_adds_a_missing_identifier(self, client):
        [added] = items(post(client, ADD, {"mobile": "9555000010", "type": "NON_LOYALTY"}))
        response = post(
            client,
            UPDATE,
            {
                "mobile": "9555000010",
                "email": "new@example.com",
                "firstname": "Rita",
                "lastname": "James",
                "type": "LOYALTY",
            },
        )
        [item] = items(response)
        assert item["item_status"]["code"] == 1000
        assert item["item_status"]["message"] == "Customer successfully updated"
        assert (item["user_id"], item["firstname"], item["lastname"], item["type"]) == (
            added["user_id"],
            "Rita",
            "James",
            "LOYALTY",
        )
        assert get_customer(client, email="new@example.com")["user_id"] == added["user_id"]

    def test_warns_instead_of_changing_identifiers(self, client):
        post(client, ADD, {"mobile": "9555000011", "email": "a@example.com"})
        [item] = items(post(client, UPDATE, {"mobile": "9555000011", "email": "b@example.com"}))
        assert item["item_status"]["warnings"] == {"warning": [91006]}
        [item] = items(post(client, UPDATE, {"mobile": TOM_MOBILE, "email": "a@example.com"}))
        assert item["item_status"]["warnings"] == {"warning": [91007]}

    def test_refusals(self, client):
        response = post(
            client,
            UPDATE,
            {"mobile": "9999999999"},
            {"firstname": "no identifier"},
            {"mobile": TOM_MOBILE, "type": "NON_LOYALTY"},
        )
        assert [i["item_status"]["code"] for i in items(response)] == [1012, 1015, 1046]
        assert status(response)["code"] == 500
        assert get_customer(client, mobile=TOM_MOBILE)["type"] == "LOYALTY"


def add_bill(client: Any, number: str, amount: float, kind: str = "REGULAR") -> None:
    params = {"source": "INSTORE", "identifierName": "mobile", "identifierValue": TOM_MOBILE}
    body = {"type": kind, "billNumber": number, "billAmount": amount}
    response = client.post("/v2/transactions", params=params, json=body, headers=DEMO_AUTH)
    assert response.json()["errors"] == [], response.text


class TestTransactions:
    def test_lists_bills_newest_first_with_their_points(self, client):
        add_bill(client, "T-1", 200)
        add_bill(client, "T-2", 50.5)
        add_bill(client, "T-1", 80, "RETURN")
        body = client.get(
            TRANSACTIONS, params={"mobile": TOM_MOBILE, "format": "json"}, headers=DEMO_AUTH
        ).json()
        V11TransactionsAnswer.model_validate(body)
        body = body["response"]
        assert body["status"]["code"] == 200 and body["status"]["success"] == "true"
        customer = body["customer"]
        assert (customer["user_id"], customer["count"], customer["rows"]) == ("32429961", 3, "3")
        newest, middle, oldest = customer["transactions"]["transaction"]
        assert (newest["type"], newest["number"], newest["points"]["returned"]) == (
            "RETURN",
            "T-1",
            "80",
        )
        assert (middle["number"], middle["amount"], middle["points"]["issued"]) == (
            "T-2",
            "50.5",
            "50",
        )
        assert (oldest["points"]["issued"], oldest["points"]["returned"]) == ("200", "80")
        assert oldest["points"]["program_id"] == "141" and "expiry_date" in oldest["points"]
        assert customer["loyalty_points"] == 1000 + 200 + 50 - 80

    def test_filters_and_pages(self, client):
        for n in range(3):
            add_bill(client, f"P-{n}", 10)
        query = {"mobile": TOM_MOBILE, "limit": "1", "offset": "1", "order": "asc"}
        [only] = client.get(TRANSACTIONS, params=query, headers=DEMO_AUTH).json()["response"][
            "customer"
        ]["transactions"]["transaction"]
        assert only["number"] == "P-1"
        query = {"mobile": TOM_MOBILE, "number": "P-2"}
        found = client.get(TRANSACTIONS, params=query, headers=DEMO_AUTH).json()["response"]
        assert [t["number"] for t in found["customer"]["transactions"]["transaction"]] == ["P-2"]
        query = {"mobile": TOM_MOBILE, "start_date": "2001-01-01", "end_date": "2001-12-31"}
        none = client.get(TRANSACTIONS, params=query, headers=DEMO_AUTH).json()["response"]
        assert none["customer"]["transactions"]["transaction"] == []

    def test_not_found_and_bad_input(self, client):
        body = client.get(TRANSACTIONS, params={"mobile": "9999999999"}, headers=DEMO_AUTH).json()
        assert body["response"]["status"]["code"] == 500
        assert body["response"]["customer"]["item_status"]["code"] == 1012
        bad = client.get(
            TRANSACTIONS, params={"mobile": TOM_MOBILE, "limit": "x"}, headers=DEMO_AUTH
        )
        assert bad.status_code == 400 and bad.json()["response"]["status"]["code"] == 400
        assert client.get(TRANSACTIONS, headers=DEMO_AUTH).status_code == 400

    def test_xml(self, client):
        add_bill(client, "X-1", 10)
        response = client.get(
            TRANSACTIONS, params={"mobile": TOM_MOBILE, "format": "xml"}, headers=DEMO_AUTH
        )
        root = ElementTree.fromstring(response.text)
        assert root.findtext("customer/transactions/transaction/number") == "X-1"


class TestRedemptions:
    def test_lists_redemptions_with_their_reversals(self, client):
        code = redeem(client, 30)
        assert reverse(client, reverse_body(code, 10)).json()["warnings"] == []
        body = client.get(
            REDEMPTIONS, params={"mobile": BECKY_MOBILE, "user_id": "true"}, headers=DEMO_AUTH
        ).json()
        V11RedemptionsAnswer.model_validate(body)
        body = body["response"]
        assert body["status"]["code"] == 200
        customer = body["customer"]
        assert customer["user_id"] == 98662653 and customer["points_count"] == "2"
        newest, seeded = customer["redemptions"]["points"]["point"]
        assert (newest["redemption_id"], newest["points_redeemed"], newest["program_id"]) == (
            code,
            30,
            141,
        )
        [reversal] = newest["reversals"]
        assert reversal["points_reversed"] == 10 and isinstance(reversal["reversal_id"], int)
        assert reversal["reversal_breakup_by_program"][0]["program_id"] == 141
        assert seeded["redemption_id"] == SEEDED and seeded["reversals"] == []
        assert customer["redemptions"]["coupons"] == {"coupon": []}
        audit_ok(client)

    def test_type_limit_and_not_found(self, client):
        redeem(client, 5)
        one = client.get(
            REDEMPTIONS, params={"mobile": BECKY_MOBILE, "points_limit": "1"}, headers=DEMO_AUTH
        ).json()["response"]["customer"]
        assert len(one["redemptions"]["points"]["point"]) == 1 and one["points_count"] == "2"
        assert "user_id" not in one
        coupons = client.get(
            REDEMPTIONS, params={"mobile": BECKY_MOBILE, "type": "COUPONS"}, headers=DEMO_AUTH
        ).json()["response"]["customer"]
        assert coupons["redemptions"]["points"]["point"] == []
        missing = client.get(REDEMPTIONS, params={"email": "no@x.io"}, headers=DEMO_AUTH).json()
        assert missing["response"]["customer"]["item_status"]["code"] == 1012
        both = client.get(
            REDEMPTIONS, params={"mobile": f"{BECKY_MOBILE},9999999999"}, headers=DEMO_AUTH
        ).json()["response"]
        assert both["status"]["code"] == 201 and len(both["customer"]) == 2

    def test_xml(self, client):
        response = client.get(
            REDEMPTIONS, params={"mobile": BECKY_MOBILE, "format": "xml"}, headers=DEMO_AUTH
        )
        root = ElementTree.fromstring(response.text)
        assert root.findtext("customer/redemptions/points/point/redemption_id") == SEEDED
