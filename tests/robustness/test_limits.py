"""Issue 12 item 7: a body size limit (413 in the envelope, declared or counted while the body
arrives), a body-read timeout (408, the connection closed) and a length limit on notes."""

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "transfers"))

from transfer_builders import TRANSFER, org_seed, transfer_body  # noqa: E402

from tests.support import DEMO_AUTH, audit_ok, load_org  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402

LIMIT = 64 * 1024
"""CAPEMU_MAX_BODY_BYTES of the served emulator below (small, so that tests send little)."""
BALANCE = "/v2/points/balance"


def assert_refused(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {
        "warnings": [],
        "errors": [
            {"status": False, "code": status, "message": response.json()["errors"][0]["message"]}
        ],
    }
    assert response.headers["connection"] == "close"


def json_of_size(size: int) -> bytes:
    """A JSON object of exactly `size` bytes."""
    frame = b'{"notes":""}'
    return frame[:-2] + b"x" * (size - len(frame)) + frame[-2:]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from tests.support.databases import fresh_database_url

    url = fresh_database_url(tmp_path_factory.mktemp("limits"), "limits")
    env = {"CAPEMU_MAX_BODY_BYTES": str(LIMIT), "CAPEMU_BODY_TIMEOUT": "1"}
    server = LiveServer(url, workers=1, env=env).start()
    yield server
    server.stop()


@pytest.mark.live
class TestBodySizeLimit:
    def test_a_declared_length_over_the_limit_is_413(self, served):
        with served.client() as http:
            response = http.post(
                TRANSFER,
                content=json_of_size(LIMIT + 1),
                headers={**DEMO_AUTH, "Content-Type": "application/json"},
            )
        assert_refused(response, 413)
        assert str(LIMIT) in response.json()["errors"][0]["message"]

    def test_a_chunked_body_over_the_limit_is_413(self, served):
        body = json_of_size(LIMIT * 3)

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), 4096):
                yield body[start : start + 4096]

        with served.client() as http:
            response = http.post(
                TRANSFER,
                content=chunks(),
                headers={**DEMO_AUTH, "Content-Type": "application/json"},
            )
            assert response.request.headers["transfer-encoding"] == "chunked"
        assert_refused(response, 413)

    def test_a_body_at_the_limit_reaches_the_endpoint(self, served):
        with served.client() as http:
            response = http.post(
                TRANSFER,
                content=json_of_size(LIMIT),
                headers={**DEMO_AUTH, "Content-Type": "application/json"},
            )
        # The endpoint read it: its answer is the transfer's own refusal, not the limit's.
        assert response.status_code != 413, response.text
        assert response.json()["errors"][0]["code"] != 413

    def test_a_refused_body_is_not_journaled(self, served):
        with served.client() as http:
            assert http.delete("/_emulator/journal").status_code == 200
            http.post(
                "/v2/otp/generate",
                content=json_of_size(LIMIT + 1),
                headers={**DEMO_AUTH, "Content-Type": "application/json"},
            )
            http.get(BALANCE, headers=DEMO_AUTH)
            found = http.get("/_emulator/journal", params={"path": BALANCE, "wait": 20}).json()[
                "entries"
            ]
            assert len(found) == 1
            paths = [e["path"] for e in http.get("/_emulator/journal").json()["entries"]]
        assert "/v2/otp/generate" not in paths

    def test_the_default_limit_is_one_mebibyte(self, live_server_factory):
        server = live_server_factory(workers=1)
        with server.client() as http:
            big = http.post(
                TRANSFER,
                content=json_of_size(1024 * 1024 + 1),
                headers={**DEMO_AUTH, "Content-Type": "application/json"},
            )
            fits = http.post(
                TRANSFER,
                content=json_of_size(1024 * 1024),
                headers={**DEMO_AUTH, "Content-Type": "application/json"},
            )
        assert_refused(big, 413)
        assert fits.status_code != 413


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.live
class TestBodyReadTimeout:
    def test_a_promised_body_that_never_comes_is_408_and_the_connection_closed(self, served):
        with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
            sock.sendall(
                b"POST /v2/points/transfer HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n"
                + b"".join(f"{k}: {v}\r\n".encode() for k, v in DEMO_AUTH.items())
                + b"\r\n"
                + b'{"notes":'
            )
            answer = read_answer(sock)  # ends: the server closed the connection
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), answer
        assert b"connection: close" in head.lower()
        assert json.loads(body)["errors"][0]["code"] == 408

    def test_the_server_still_serves_afterwards(self, served):
        with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
            sock.sendall(b"POST /v2/otp/generate HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
            assert read_answer(sock).startswith(b"HTTP/1.1 408")
        with served.client() as http:
            assert http.get("/_emulator/health").status_code == 200


class TestNotesLength:
    def test_notes_of_1000_characters_are_kept(self, client):
        auth = load_org(client, org_seed(POINTS_TRANSFER_OTP_REQUIRED=False))
        response = client.post(TRANSFER, json=transfer_body(notes="n" * 1000), headers=auth)
        assert response.status_code == 200, response.text
        assert not response.json().get("errors"), response.text
        audit_ok(client)

    def test_longer_notes_are_434(self, client):
        auth = load_org(client, org_seed(POINTS_TRANSFER_OTP_REQUIRED=False))
        response = client.post(TRANSFER, json=transfer_body(notes="n" * 1001), headers=auth)
        errors = response.json()["errors"]
        assert [e["code"] for e in errors] == [434], response.text
        assert "notes" in errors[0]["message"]
