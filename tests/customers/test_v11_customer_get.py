"""GET /v1.1/customer/get: JSON and XML, found and not found (1012 with status 500)."""

from xml.etree import ElementTree

from tests.support import DEMO_AUTH

GET = "/v1.1/customer/get"


def test_json_carries_points_and_contacts(client):
    body = client.get(
        GET, params={"format": "json", "mobile": "7799497290"}, headers=DEMO_AUTH
    ).json()
    status = body["response"]["status"]
    assert (status["success"], status["code"], status["success_count"]) == ("true", 200, 1)
    [customer] = body["response"]["customers"]["customer"]
    assert (customer["user_id"], customer["mobile"], customer["loyalty_points"]) == (
        32429961,
        "917799497290",
        1000,
    )
    assert customer["lifetime_points"] == 1000
    assert customer["item_status"] == {
        "success": "true",
        "code": 1000,
        "message": "Customer successfully retrieved",
    }
    summaries = {s["program_id"]: s for s in customer["points_summaries"]["points_summary"]}
    assert summaries[141]["loyaltyPoints"] == 1000


def test_by_id_and_not_found(client):
    body = client.get(GET, params={"id": "32429961,1"}, headers=DEMO_AUTH).json()["response"]
    assert body["status"]["code"] == 201 and body["status"]["success"] == "true"
    found, missing = body["customers"]["customer"]
    assert found["user_id"] == 32429961
    assert missing["item_status"]["code"] == 1012 and missing["item_status"]["success"] == "false"
    alone = client.get(GET, params={"email": "nobody@example.com"}, headers=DEMO_AUTH).json()[
        "response"
    ]
    assert (alone["status"]["code"], alone["status"]["success"]) == (500, "false")


def test_xml(client):
    response = client.get(GET, params={"format": "xml", "mobile": "7799497290"}, headers=DEMO_AUTH)
    assert response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.text)
    assert root.findtext("status/code") == "200"
    assert root.findtext("customers/customer/loyalty_points") == "1000"
    assert root.findtext("customers/customer/item_status/code") == "1000"
    assert (
        root.findtext("customers/customer/points_summaries/points_summary/program_id") is not None
    )
