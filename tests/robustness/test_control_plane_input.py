"""Control-plane input a client can send that once gave 500s: 65-bit ids, clock overflows."""

import pytest

TOO_BIG = 2**64 + 5


def _rejected(response, *, mentions):
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["code"] == 400 and error["status"] is False
    assert mentions in error["message"]


class TestHugeIds:
    @pytest.mark.parametrize(
        ("method", "path", "mentions"),
        [
            ("post", f"/_emulator/reset?orgId={TOO_BIG}", "orgId"),
            ("post", f"/_emulator/reset?orgId=-{TOO_BIG}", "orgId"),
            ("get", f"/_emulator/otps?orgId={TOO_BIG}", "orgId"),
            ("get", f"/_emulator/journal?orgId={TOO_BIG}", "orgId"),
            ("delete", f"/_emulator/orgs/{TOO_BIG}", "org_id"),
            ("delete", f"/_emulator/orgs/-{TOO_BIG}", "org_id"),
            ("delete", f"/_emulator/faults/{TOO_BIG}", "fault_id"),
            # Found by the fuzz (Postgres): inside 64 bits, beyond the INTEGER column.
            ("delete", f"/_emulator/faults/{2**63 - 2}", "fault_id"),
            ("delete", f"/_emulator/faults/{2**31}", "fault_id"),
        ],
    )
    def test_is_a_400_naming_the_parameter(self, client, method, path, mentions):
        _rejected(getattr(client, method)(path), mentions=mentions)

    def test_nothing_was_reset_or_removed(self, client):
        client.post("/_emulator/faults", json={"path": "/v2/points/transfer", "count": 1})
        client.post(f"/_emulator/reset?orgId={TOO_BIG}")
        client.delete(f"/_emulator/faults/{TOO_BIG}")
        assert len(client.get("/_emulator/faults").json()["faults"]) == 1


class TestClockRange:
    @pytest.mark.parametrize(
        ("command", "mentions"),
        [
            ({"advance": "P10000Y"}, "clock's range"),
            ({"advance": "-P10000Y"}, "clock's range"),
            ({"advance": "PT100000000000000000000S"}, "longer than a duration can be"),
            ({"advance": "P1" + "0" * 400 + "D"}, "longer than a duration can be"),
            ({"set": "9999-12-31T23:59:59Z"}, "clock's range"),
        ],
    )
    def test_is_a_400_with_the_reason(self, client, command, mentions):
        before = client.post("/_emulator/clock", json={"freeze": True}).json()
        _rejected(client.post("/_emulator/clock", json=command), mentions=mentions)
        assert client.get("/_emulator/clock").json() == before

    def test_a_long_advance_within_range_works(self, client):
        body = client.post("/_emulator/clock", json={"advance": "P100Y"}).json()
        assert int(body["now"][:4]) >= 2100
