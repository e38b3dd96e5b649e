"""What an error answer carries besides its envelope, and what it leaves in the server log."""

import pytest
from fastapi.testclient import TestClient

from capillary_emulator.main import create_app
from tests.support import DEMO_AUTH


class TestUnexpectedError:
    def test_a_500_says_connection_close(self, settings):
        app = create_app(settings)

        def boom() -> None:
            raise RuntimeError("a bug")

        app.add_api_route("/_test/boom", boom)
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/_test/boom")
        assert response.status_code == 500
        assert response.headers["connection"] == "close"
        assert response.json()["errors"][0]["code"] == 500


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("put", "/v2/points/transfer", "GET, POST"),
            ("post", "/_emulator/orgs/7", "DELETE"),
            ("get", "/_emulator/reset", "POST"),
            ("patch", "/_emulator/clock", "GET, POST"),
        ],
    )
    def test_a_405_carries_allow(self, client, method, path, allow):
        response = client.request(method.upper(), path, headers=DEMO_AUTH)
        assert response.status_code == 405
        assert response.json()["errors"][0]["code"] == 405
        assert sorted(response.headers["allow"].split(", ")) == sorted(allow.split(", "))


class TestOpenApi:
    def test_declares_no_422(self, client):
        paths = client.get("/openapi.json").json()["paths"]
        declared = [
            f"{method.upper()} {path}"
            for path, operations in paths.items()
            for method, operation in operations.items()
            if "422" in operation.get("responses", {})
        ]
        assert declared == []


@pytest.mark.live
class TestDeeplyNestedJson:
    def test_is_a_400_and_leaves_no_traceback(self, live_server_factory):
        server = live_server_factory(env={"CAPEMU_LOG_LEVEL": "info"})
        headers = {"content-type": "application/json", **DEMO_AUTH}
        bodies = ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1"]
        with server.client() as http:
            for body in bodies:
                for path in ("/v2/points/transfer", "/_emulator/seed"):
                    response = http.post(path, content=body, headers=headers)
                    assert response.status_code == 400, response.text
                    assert response.json()["errors"][0]["code"] == 400
        server.stop()
        log = server.process.stderr.read().decode()
        assert "Traceback" not in log and "Error" not in log, log
