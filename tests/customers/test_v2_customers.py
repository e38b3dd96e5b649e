"""The v2 customers API: lookup, customerDetails (embed points), get, create, update."""

from typing import Any

from tests.support import DEMO_AUTH, audit_ok

TOM = 32429961
"""Demo customer with mobile 917799497290 and 1000 points in program 141."""


def lookup(client: Any, name: str, value: str, path: str = "/v2/customers/lookup", **q: Any) -> Any:
    params = {"source": "INSTORE", "identifierName": name, "identifierValue": value, **q}
    return client.get(path, params=params, headers=DEMO_AUTH)


def create(client: Any, identifiers: list[dict[str, str]], **profile: Any) -> Any:
    body = {
        "loyaltyInfo": {"loyaltyType": "loyalty"},
        "profiles": [
            {"firstName": "Ann", "lastName": "Lee", "identifiers": identifiers, **profile}
        ],
    }
    return client.post("/v2/customers", json=body, headers=DEMO_AUTH)


def error_code(response: Any) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["errors"][0]["code"])


def test_lookup_by_mobile_with_or_without_country_code(client):
    for value in ("7799497290", "917799497290"):
        response = lookup(client, "mobile", value)
        assert response.status_code == 200
        assert response.json() == {"entity": TOM, "warnings": []}


def test_lookup_codes(client):
    assert error_code(lookup(client, "mobile", "910000000001")) == 8015
    assert error_code(lookup(client, "shoeSize", "42")) == 8013


def test_customer_details_embeds_points_per_program(client):
    response = lookup(
        client, "mobile", "7799497290", "/v2/customers/lookup/customerDetails", embed="points"
    )
    body = response.json()
    assert body["id"] == TOM
    assert body["profiles"][0]["identifiers"] == [{"type": "mobile", "value": "917799497290"}]
    details = {d["programId"]: d for d in body["loyaltyProgramDetails"]}
    assert details[141]["loyaltyPoints"] == 1000
    assert details[141]["lifetimePoints"] == 1000
    assert details[765]["loyaltyPoints"] == 0
    without = lookup(client, "mobile", "7799497290", "/v2/customers/lookup/customerDetails").json()
    assert "loyaltyProgramDetails" not in without


def test_create_then_read_by_id_and_identifier(client):
    response = create(
        client,
        [{"type": "mobile", "value": "8123456789"}, {"type": "email", "value": "ann@example.com"}],
    )
    body = response.json()
    assert body["warnings"] == [] and body["createdId"] > 0
    user_id = body["createdId"]
    got = client.get(f"/v2/customers/{user_id}", headers=DEMO_AUTH).json()
    assert got["profiles"][0]["firstName"] == "Ann"
    assert {"type": "mobile", "value": "918123456789"} in got["profiles"][0]["identifiers"]
    assert lookup(client, "email", "ann@example.com").json()["entity"] == user_id
    audit_ok(client)


def test_identifiers_unique_per_org(client):
    assert create(client, [{"type": "mobile", "value": "8111111111"}]).json()["createdId"] > 0
    duplicate = create(
        client,
        [
            {"type": "email", "value": "new@example.com"},
            {"type": "mobile", "value": "918111111111"},
        ],
    )
    assert error_code(duplicate) == 8003
    assert error_code(lookup(client, "email", "new@example.com")) == 8015


def test_create_without_identifiers_or_with_a_bad_type(client):
    assert error_code(create(client, [])) == 8004
    assert error_code(create(client, [{"type": "id", "value": "5"}])) == 8013


def test_update_by_identifier_and_by_id(client):
    put = client.put(
        "/v2/customers",
        params={"source": "INSTORE", "identifierName": "mobile", "identifierValue": "7799497290"},
        json={
            "profiles": [
                {
                    "firstName": "Thomas",
                    "identifiers": [{"type": "email", "value": "tom@example.com"}],
                }
            ]
        },
        headers=DEMO_AUTH,
    )
    assert put.json() == {"createdId": TOM, "warnings": [], "sideEffects": []}
    got = client.get(f"/v2/customers/{TOM}", headers=DEMO_AUTH).json()["profiles"][0]
    assert got["firstName"] == "Thomas"
    assert {"type": "email", "value": "tom@example.com"} in got["identifiers"]
    by_id = client.put(
        f"/v2/customers/{TOM}", json={"profiles": [{"lastName": "Sawyer"}]}, headers=DEMO_AUTH
    )
    assert by_id.json()["createdId"] == TOM
    got = client.get(f"/v2/customers/{TOM}", headers=DEMO_AUTH).json()["profiles"][0]
    assert (got["firstName"], got["lastName"]) == ("Thomas", "Sawyer")
    taken = client.put(
        f"/v2/customers/{TOM}",
        json={"profiles": [{"identifiers": [{"type": "mobile", "value": "917799000000"}]}]},
        headers=DEMO_AUTH,
    )
    assert error_code(taken) == 8003
    assert error_code(client.put("/v2/customers/999999999", json={}, headers=DEMO_AUTH)) == 8015
