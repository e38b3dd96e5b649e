"""/openapi.json teaches the API: typed fields, the seed's samples as examples, Capillary's error
envelope (never FastAPI's 422), working security schemes, v1.1's query keys, and the control
plane under its own tag."""

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from capillary_emulator.openapi import DEMO_PASSWORD_MD5
from tests.contract.shapes import load_samples

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document(app_client: TestClient) -> dict[str, Any]:
    response = app_client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def capillary_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    return ((p, m, o) for p, m, o in operations(document) if not p.startswith("/_emulator"))


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def untyped_fields(document: dict[str, Any], schema: dict[str, Any], at: str) -> list[str]:
    """Every field below `schema` that says nothing about its type (Swagger's "string")."""
    schema = resolve(document, schema)
    if not any(k in schema for k in ("type", "anyOf", "oneOf", "allOf", "enum", "const")):
        return [at]
    found = []
    for name, field in schema.get("properties", {}).items():
        found += untyped_fields(document, field, f"{at}.{name}")
    for key in ("anyOf", "oneOf", "allOf"):
        for i, option in enumerate(schema.get(key, [])):
            found += untyped_fields(document, option, f"{at}[{key} {i}]")
    if "items" in schema:
        found += untyped_fields(document, schema["items"], f"{at}[]")
    return found


class TestOpenApiDocument:
    def test_request_bodies_are_typed_field_by_field(self, document: dict[str, Any]) -> None:
        problems = []
        for path, method, operation in capillary_operations(document):
            body = operation.get("requestBody")
            if body is not None:
                schema = body["content"]["application/json"]["schema"]
                problems += untyped_fields(document, schema, f"{method.upper()} {path}")
        assert problems == []

    def test_responses_are_typed_models(self, document: dict[str, Any]) -> None:
        for path, method, operation in capillary_operations(document):
            schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert untyped_fields(document, schema, f"{method} {path}") == []
            resolved = resolve(document, schema)
            assert "additionalProperties" not in resolved, (method, path)

    def test_every_sample_is_the_example_of_its_operation(self, document: dict[str, Any]) -> None:
        samples = load_samples()
        assert len(samples) == 8
        for sample in samples:
            url = urlsplit(sample["path"])
            operation = document["paths"][url.path][sample["method"].lower()]
            if sample["body"] is not None:
                content = operation["requestBody"]["content"]["application/json"]
                bodies = [e["value"] for e in content["examples"].values()]
                assert bodies == [sample["body"]], sample["title"]
            params = {p["name"]: p.get("example") for p in operation.get("parameters", [])}
            for name, value in parse_qsl(url.query):
                assert params[name] == value, (sample["title"], name)
            answers = operation["responses"]["200"]["content"]["application/json"]["examples"]
            assert [e["value"] for e in answers.values()] == [sample["response"]]

    def test_errors_are_capillary_envelopes_never_fastapi_422(
        self, document: dict[str, Any]
    ) -> None:
        schemas = document["components"]["schemas"]
        assert "HTTPValidationError" not in schemas
        assert "ValidationError" not in schemas
        for path, method, operation in operations(document):
            assert "422" not in operation["responses"], (method, path)
            error = operation["responses"]["default"]["content"]["application/json"]["schema"]
            expected = "V11ErrorBody" if path.startswith("/v1.1/") else "CapillaryErrorBody"
            assert error == {"$ref": f"#/components/schemas/{expected}"}, (method, path)
        envelope = schemas["CapillaryErrorBody"]
        assert envelope["properties"]["errors"]["items"] == {
            "$ref": "#/components/schemas/StatusItem"
        }
        assert set(schemas["StatusItem"]["properties"]) == {"status", "code", "message"}

    def test_documented_error_is_what_the_emulator_sends(self, app_client: TestClient) -> None:
        answer = app_client.post("/v2/points/transfer", json={})
        assert answer.status_code == 401
        body = answer.json()
        assert set(body) == {"warnings", "errors"}
        assert set(body["errors"][0]) == {"status", "code", "message"}

    def test_security_schemes_cover_every_authenticated_operation(
        self, document: dict[str, Any]
    ) -> None:
        schemes = document["components"]["securitySchemes"]
        assert schemes["CapillaryBasic"] == {
            **schemes["CapillaryBasic"],
            "type": "http",
            "scheme": "basic",
        }
        assert schemes["CapillaryOAuth"]["name"] == "X-CAP-API-OAUTH-TOKEN"
        assert schemes["CapillaryOAuth"]["in"] == "header"
        for path, _method, operation in capillary_operations(document):
            if path == "/v3/oauth/token/generate":
                assert "security" not in operation
            else:
                assert operation["security"] == [{"CapillaryBasic": []}, {"CapillaryOAuth": []}]

    def test_basic_credentials_the_docs_give_are_accepted(self, client: TestClient) -> None:
        """What a user types into Authorize (till code, md5 of the password) authenticates."""
        token = base64.b64encode(f"org2.till1:{DEMO_PASSWORD_MD5}".encode()).decode()
        answer = client.get(
            "/v2/pointsLedger/getCustomerLedgerBalance",
            params={
                "identifierName": "externalId",
                "identifierValue": "tomanatest2",
                "source": "INSTORE",
            },
            headers={"Authorization": f"Basic {token}"},
        )
        assert answer.status_code == 200
        assert answer.json()["customerDetails"]["externalId"] == "tomanatest2"

    def test_v11_query_parameters_are_declared(self, document: dict[str, Any]) -> None:
        def names(path: str, method: str) -> set[str]:
            return {p["name"] for p in document["paths"][path][method]["parameters"]}

        assert {"points", "program_id", "issue_otp", "format", "mobile", "email",
                "external_id", "card_number", "card_external_id", "id"} <= names(
            "/v1.1/points/isredeemable", "get"
        )  # fmt: skip
        assert {"program_id", "skip_validation", "format"} <= names("/v1.1/points/redeem", "post")

    def test_query_models_read_by_the_routers_are_declared(self, document: dict[str, Any]) -> None:
        # Read from the raw query string (`query_string.QueryModel`), documented by openapi_extra.
        def names(path: str) -> set[str]:
            return {p["name"] for p in document["paths"][path]["get"]["parameters"]}

        assert names("/v2/points/transfer") == {
            "identifierName", "identifierValue", "source", "accountId", "programId",
            "userEntityType",
        }  # fmt: skip
        assert {"identifierName", "identifierValue", "source", "limit", "offset"} <= names(
            "/v2/pointsLedger/getCustomerLedgerInfo"
        )

    def test_control_plane_has_its_own_tag_and_token(self, document: dict[str, Any]) -> None:
        for path, method, operation in operations(document):
            on_control_plane = path.startswith("/_emulator")
            assert ("emulator" in operation["tags"]) == on_control_plane, (method, path)
            if on_control_plane:
                assert {"EmulatorAdminToken": []} in operation["security"]
        clock = document["paths"]["/_emulator/clock"]["post"]["requestBody"]
        assert clock["content"]["application/json"]["examples"]["advance"]["value"] == {
            "advance": "P1D"
        }
