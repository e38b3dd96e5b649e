"""A fault with "warning": true lets the call go on and adds its code and message to the
answer's warnings[]: how a test reaches the seed's warning-only codes (900-904 on reverse,
872, 873, 877) that no rule of the emulator produces (issue 13, item 6)."""

import pytest

from tests.support import DEMO_AUTH, audit_ok, sample_body

CHECK = "/v2/points/isTransferrable"
QUEUE = (
    "Pending events present in queue for this user. Queue size-{0},failed event -{1},"
    "reason -{2},status code -{3}."
)


def check(client):
    return client.post(
        CHECK, json=sample_body("Check if Points Transferrable (Customer)"), headers=DEMO_AUTH
    )


def add(client, **fault):
    return client.post("/_emulator/faults", json=fault)


class TestWarningFaults:
    @pytest.mark.parametrize(
        ("code", "message"),
        [
            (900, QUEUE),
            (901, "Invalid points or points redemption ID."),
            (904, "Invalid customer details passed."),
        ],
    )
    def test_the_answer_carries_the_warning(self, client, code, message):
        plain = check(client).json()
        created = add(client, path=CHECK, warning=True, code=code, message=message, count=1)
        assert created.status_code == 200, created.text
        assert created.json()["warning"] is True
        warned = check(client)
        assert warned.status_code == 200
        body = warned.json()
        added = {"status": False, "code": code, "message": message}
        assert body["warnings"] == [*plain["warnings"], added]
        assert body["data"] == plain["data"] and body["errors"] == []
        assert int(warned.headers["content-length"]) == len(warned.content)
        assert check(client).json()["warnings"] == plain["warnings"]  # count 1: used up

    def test_a_write_still_happens_and_the_ledger_stays_whole(self, client):
        add(
            client,
            path="/v2/points/transfer",
            warning=True,
            code=903,
            message="Unable to redeem points.",
        )
        checked = sample_body("Check if Points Transferrable (Customer)")
        client.post(CHECK, json=checked, headers=DEMO_AUTH)
        code = client.get("/_emulator/otps").json()["otps"][0]["code"]
        transfer = {**sample_body("Transfer Points (Customer to Customer)"), "code": code}
        for key in ("fromCustomerIdentifier", "toCustomerIdentifier", "pointsTobeTransferred"):
            transfer[key] = checked[key]
        made = client.post("/v2/points/transfer", json=transfer, headers=DEMO_AUTH).json()
        assert made["errors"] == [] and made["data"][0]["transferId"]
        assert made["warnings"][-1]["code"] == 903
        audit_ok(client)

    @pytest.mark.parametrize(
        "fault",
        [
            {"path": CHECK, "warning": True},  # no code
            {"path": CHECK, "warning": True, "code": 900, "status": 500},  # a warning does not fail
            {"path": CHECK, "warning": "yes", "code": 900},
        ],
    )
    def test_bad_warning_faults_are_refused(self, client, fault):
        answer = add(client, **fault)
        assert answer.status_code == 400, answer.text
        assert client.get("/_emulator/faults").json()["faults"] == []
