"""The seed's code tables against the emulator: every code has a row in
docs/emulation-coverage.md ("Every code of the seed's tables"), the rules the seed implies
answer their code with the seed's text, and the codes said to be reached by fault injection
come back as injected."""

import re
from typing import Any

import pytest
from test_contract_codes import seed_texts

from tests.support import DEMO_AUTH, PROJECT_ROOT, audit_ok, load_org, snapshot

COVERAGE = PROJECT_ROOT / "docs" / "emulation-coverage.md"

ORG = 800500
PROGRAM = ORG * 10 + 1
EARNER, NO_CONTACT = ORG * 1000 + 1, ORG * 1000 + 2
EARNER_MOBILE = "9820000001"
STATE = ("balances", "lots", "ledger_events", "ledger_entries", "redemptions", "otps")


def coverage_rows() -> list[tuple[str, str, str]]:
    """(first cell, second cell, third cell) of the seed-codes section's table."""
    text = COVERAGE.read_text(encoding="utf-8")
    section = text.split("<!-- section: seed codes -->")[1].split("<!-- end section")[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and re.match(r"^\d", cells[0]):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def covered(seed_codes: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """The (table, code) pairs the rows name: "805, 806", "894-899", "901-904 (warnings)"."""
    found = set()
    for first, _, _ in coverage_rows():
        tables = (
            {"warning"}
            if "(warning" in first
            else {"error"}
            if "(error" in first
            else {"error", "warning", "success"}
        )
        for low, high in re.findall(r"(\d+)(?:-(\d+))?", first):
            span = range(int(low), int(high or low) + 1)
            found |= {(t, c) for t, c in seed_codes if t in tables and c in span}
    return found


def seed_codes() -> set[tuple[str, int]]:
    return set(seed_texts()) | {("success", 800)}


def fault_injected_codes() -> list[int]:
    """The codes whose row says they are reached only by fault injection."""
    codes = []
    for first, reached, _ in coverage_rows():
        if reached == "fault injection":
            codes += [int(c) for c in re.findall(r"\d+", first)]
    return codes


class TestCoverageTable:
    def test_every_seed_code_has_a_row(self):
        assert sorted(seed_codes() - covered(seed_codes())) == []

    def test_rows_name_only_seed_codes(self):
        known = {code for _, code in seed_codes()}
        named = {int(c) for first, _, _ in coverage_rows() for c in re.findall(r"\d+", first)}
        assert named - known == set()


def rules_org(**config: Any) -> dict[str, Any]:
    """The earner: 300 lifetime points in the default program (100 of them spent), lifetime
    purchases 400; the other customer has neither mobile nor email."""
    base = ORG * 1000
    return {
        "orgs": [
            {
                "orgId": ORG,
                "name": "Seed Rules Org",
                "timezone": "+05:30",
                "defaultCountryCode": "91",
                "config": {"POINTS_REDEMPTION_VALIDATION_REQUIRED": False, **config},
                "tills": [{"tillId": ORG * 10 + 1, "code": f"till-{ORG}",
                           "password": "rules-pw", "storeCode": f"store-{ORG}"}],
                "programs": [{"programId": PROGRAM, "name": "Rules Default", "default": True}],
                "customers": [
                    {"userId": base + 1, "firstName": "Lia", "lastName": "Lifetime",
                     "identifiers": {"mobile": "91" + EARNER_MOBILE},
                     "lifetimePurchases": 400,
                     "points": [{"programId": PROGRAM, "points": 300, "awardedAt": "-P10D"}]},
                    {"userId": base + 2, "firstName": "Nic", "lastName": "Nocontact",
                     "identifiers": {"externalId": f"ext-{base + 2}"},
                     "points": [{"programId": PROGRAM, "points": 50}]},
                ],
                "redemptions": [{"redemptionId": "LIFE01", "userId": base + 1,
                                 "programId": PROGRAM, "points": 100, "redeemedAt": "-P1D"}],
            }
        ]
    }  # fmt: skip


def is_redeemable(client: Any, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    query = {"format": "json", "mobile": EARNER_MOBILE, "points": 10, **params}
    response = client.get("/v1.1/points/isredeemable", params=query, headers=auth)
    assert response.status_code == 200, response.text
    redeemable: dict[str, Any] = response.json()["response"]["points"]["redeemable"]
    return redeemable


def redeem(client: Any, auth: dict[str, str], points: object = 10) -> dict[str, Any]:
    body = {
        "root": {"redeem": [{"points_redeemed": points, "customer": {"mobile": EARNER_MOBILE}}]}
    }
    response = client.post(
        "/v1.1/points/redeem", params={"format": "json"}, json=body, headers=auth
    )
    assert response.status_code == 200, response.text
    item: dict[str, Any] = response.json()["response"]["responses"]["points"]
    return item


def refused_everywhere(client: Any, auth: dict[str, str], code: int, message: str) -> None:
    """isredeemable and redeem both answer the code, and nothing changes."""
    before = snapshot(client, STATE)
    expected = {"success": "false", "code": code, "message": message}
    assert is_redeemable(client, auth)["item_status"] == expected
    assert redeem(client, auth)["item_status"] == expected
    assert snapshot(client, STATE) == before
    audit_ok(client)


def redeemed(client: Any, auth: dict[str, str]) -> None:
    assert is_redeemable(client, auth)["item_status"]["code"] == 800
    assert redeem(client, auth)["item_status"]["code"] == 800


class TestLifetimeMinimums:
    def test_805_below_the_lifetime_points_minimum(self, client):
        # 300 earned, 200 left: the minimum counts what was earned, not what is left.
        auth = load_org(client, rules_org(POINTS_REDEMPTION_MIN_LIFETIME_POINTS=301))
        refused_everywhere(client, auth, 805, "Insufficient lifetime points.")

    def test_805_lets_a_customer_who_reached_it_redeem(self, client):
        auth = load_org(client, rules_org(POINTS_REDEMPTION_MIN_LIFETIME_POINTS=300))
        redeemed(client, auth)

    def test_806_below_the_lifetime_purchases_minimum(self, client):
        auth = load_org(client, rules_org(POINTS_REDEMPTION_MIN_LIFETIME_PURCHASES=401))
        refused_everywhere(client, auth, 806, "Insufficient lifetime purchases amount.")

    def test_806_counts_the_bills_added_since(self, client):
        auth = load_org(client, rules_org(POINTS_REDEMPTION_MIN_LIFETIME_PURCHASES=450))
        bill = client.post(
            "/v2/transactions",
            params={
                "source": "INSTORE",
                "identifierName": "mobile",
                "identifierValue": EARNER_MOBILE,
            },
            json={"type": "REGULAR", "billNumber": "LIFE-1", "billAmount": 50},
            headers=auth,
        )
        assert bill.status_code == 200 and bill.json()["errors"] == [], bill.text
        redeemed(client, auth)

    @pytest.mark.parametrize("key", ["POINTS_REDEMPTION_MIN_LIFETIME_POINTS",
                                     "POINTS_REDEMPTION_MIN_LIFETIME_PURCHASES"])  # fmt: skip
    def test_off_by_default(self, client, key):
        seed = rules_org()
        assert key not in seed["orgs"][0]["config"]
        redeemed(client, load_org(client, seed))

    def test_a_minimum_that_is_not_a_number_refuses_the_seed(self, client):
        response = client.post(
            "/_emulator/seed", json=rules_org(POINTS_REDEMPTION_MIN_LIFETIME_POINTS="many")
        )
        assert response.status_code == 400
        assert "POINTS_REDEMPTION_MIN_LIFETIME_POINTS" in response.json()["errors"][0]["message"]


class TestOtpWarning876:
    def test_isredeemable_warns_when_no_code_can_be_sent(self, client):
        auth = load_org(client, rules_org())
        before = snapshot(client, ("otps",))
        item = is_redeemable(
            client, auth, mobile="", external_id=f"ext-{NO_CONTACT}", issue_otp="true"
        )
        assert item["is_redeemable"] == "true"
        assert item["item_status"] == {
            "success": "true",
            "code": 876,
            "message": "Points are redeemable but unable to generate OTP.",
        }
        assert snapshot(client, ("otps",)) == before

    def test_isredeemable_issues_a_code_to_a_customer_with_a_mobile(self, client):
        auth = load_org(client, rules_org())
        item = is_redeemable(client, auth, issue_otp="true")
        assert item["item_status"]["code"] == 800
        otps = client.get("/_emulator/otps", params={"orgId": ORG}).json()["otps"]
        assert [o["action"] for o in otps] == ["POINTS"]


class TestFaultInjectedCodes:
    """Codes no rule reaches are the system failures a client must survive: a fault answers
    them with the seed's text on the seed's endpoints."""

    @pytest.mark.parametrize("code", fault_injected_codes())
    def test_a_fault_answers_the_code(self, client, code):
        text = seed_texts()[("error", code)]
        fault = {"path": "/v2/points/isTransferrable", "status": 200, "code": code, "message": text}
        assert client.post("/_emulator/faults", json=fault).status_code == 200
        response = client.post("/v2/points/isTransferrable", json={}, headers=DEMO_AUTH)
        assert response.status_code == 200
        assert response.json()["errors"] == [{"status": False, "code": code, "message": text}]
