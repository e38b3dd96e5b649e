"""Auth (EMULATION.md section 3): Basic till:md5(password), OAuth tokens on the emulator clock."""

import base64

import pytest
from fastapi.testclient import TestClient

from capillary_emulator.config import Settings
from capillary_emulator.main import create_app
from tests.support import DEMO_AUTH, basic_auth

BALANCE = "/v2/pointsLedger/getCustomerLedgerBalance"
SAMPLE_QUERY = {
    "identifierName": "externalId",
    "identifierValue": "tomanatest2",
    "source": "INSTORE",
}
UNAUTHORIZED = {
    "status": False,
    "code": 401,
    "message": "Authentication failed. Please check username and password.",
}


def assert_401(response) -> None:
    assert response.status_code == 401
    assert response.json() == {"warnings": [], "errors": [UNAUTHORIZED]}


def token(client, key="demo-client-key", secret="demo-client-secret"):
    return client.post("/v3/oauth/token/generate", json={"key": key, "secret": secret})


class TestBasicAuth:
    def test_demo_till_is_accepted(self, client):
        assert client.get(BALANCE, params=SAMPLE_QUERY, headers=DEMO_AUTH).status_code == 200

    def test_wrong_password_is_401(self, client):
        assert_401(client.get(BALANCE, params=SAMPLE_QUERY, headers=basic_auth(password="nope")))

    def test_plain_password_instead_of_md5_is_401(self, client):
        raw = base64.b64encode(b"org2.till1:till123").decode()
        assert_401(
            client.get(BALANCE, params=SAMPLE_QUERY, headers={"Authorization": f"Basic {raw}"})
        )

    def test_unknown_till_is_401(self, client):
        assert_401(client.get(BALANCE, params=SAMPLE_QUERY, headers=basic_auth(till="nobody")))

    def test_missing_header_is_401(self, client):
        assert_401(client.get(BALANCE, params=SAMPLE_QUERY))

    @pytest.mark.parametrize(
        "header",
        ["Basic", "Basic !!!", "Bearer abc", "Basic " + base64.b64encode(b"nocolon").decode()],
    )
    def test_malformed_header_is_401(self, client, header):
        assert_401(client.get(BALANCE, params=SAMPLE_QUERY, headers={"Authorization": header}))


class TestOAuth:
    def test_token_generation_shape(self, client):
        body = token(client).json()
        assert body["errors"] is None
        assert isinstance(body["data"]["accessToken"], str)
        assert body["data"]["ttlSeconds"] == 300

    def test_token_authenticates(self, client):
        access = token(client).json()["data"]["accessToken"]
        response = client.get(
            BALANCE, params=SAMPLE_QUERY, headers={"X-CAP-API-OAUTH-TOKEN": access}
        )
        assert response.status_code == 200

    def test_token_expires_on_the_emulator_clock(self, client):
        access = token(client).json()["data"]["accessToken"]
        client.post("/_emulator/clock", json={"advance": "PT301S"})
        assert_401(
            client.get(BALANCE, params=SAMPLE_QUERY, headers={"X-CAP-API-OAUTH-TOKEN": access})
        )

    def test_unknown_token_is_401(self, client):
        assert_401(client.get(BALANCE, params=SAMPLE_QUERY, headers={"X-CAP-API-OAUTH-TOKEN": "x"}))

    def test_wrong_secret_is_refused(self, client):
        response = token(client, secret="wrong")
        assert response.status_code == 401
        assert response.json()["errors"][0]["message"] == "Failed to generate OAuth token"

    def test_missing_key_is_refused(self, client):
        response = client.post("/v3/oauth/token/generate", json={})
        assert response.status_code == 401


@pytest.fixture
def configured_client(settings, client):
    """A second app on the same database with different settings."""

    def make(**overrides) -> TestClient:
        return TestClient(create_app(Settings(**{**settings.model_dump(), **overrides})))

    return make


class TestSettings:
    def test_admin_token_is_compared_in_constant_time(self, configured_client, monkeypatch):
        from capillary_emulator import context

        compared = []

        def spy(a: bytes, b: bytes) -> bool:
            compared.append((a, b))
            return a == b

        monkeypatch.setattr(context.secrets, "compare_digest", spy)
        with configured_client(admin_token="s3cret") as guarded:
            assert guarded.get("/_emulator/clock").status_code == 403
            wrong = guarded.get("/_emulator/clock", headers={"X-CAPEMU-ADMIN-TOKEN": "guess"})
            right = guarded.get("/_emulator/clock", headers={"X-CAPEMU-ADMIN-TOKEN": "s3cret"})
        assert (wrong.status_code, right.status_code) == (403, 200)
        assert compared == [(b"guess", b"s3cret"), (b"s3cret", b"s3cret")]

    def test_admin_token_protects_the_control_plane(self, configured_client):
        with configured_client(admin_token="s3cret") as guarded:
            refused = guarded.get("/_emulator/audit")
            assert refused.status_code == 403
            assert refused.json()["errors"][0]["code"] == 403
            allowed = guarded.get("/_emulator/audit", headers={"X-CAPEMU-ADMIN-TOKEN": "s3cret"})
            assert allowed.status_code == 200

    def test_health_stays_open_under_the_admin_token(self, configured_client):
        with configured_client(admin_token="s3cret") as guarded:
            assert guarded.get("/_emulator/health").json() == {"status": "ok"}
            assert guarded.get("/_emulator/otps").status_code == 403

    def test_business_errors_can_answer_400(self, configured_client):
        query = {**SAMPLE_QUERY, "identifierValue": "nobody-has-this"}
        with configured_client(business_error_status=400) as strict:
            response = strict.get(BALANCE, params=query, headers=DEMO_AUTH)
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == 8015

    def test_business_errors_answer_200_by_default(self, client):
        query = {**SAMPLE_QUERY, "identifierValue": "nobody-has-this"}
        response = client.get(BALANCE, params=query, headers=DEMO_AUTH)
        assert response.status_code == 200
        assert response.json()["errors"][0]["code"] == 8015
