"""The OpenAPI document that teaches the API: FastAPI's, then completed with what it cannot
know. The Capillary error envelope replaces FastAPI's 422 shape (which the emulator never
sends), the security schemes make Swagger UI's Authorize button work (Basic with the md5 of the
till's password, the OAuth header, the control plane's admin token), the seed document's
samples become request and response examples, and v1.1's customer keys, read from the raw
query string, are declared."""

import hashlib
import json
import re
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from capillary_emulator.config import CAPILLARY_SAMPLES_FILE
from capillary_emulator.redemptions.service import CUSTOMER_FIELDS

CONTROL_PLANE = "/_emulator"
UNAUTHENTICATED = {"/v3/oauth/token/generate"}
"""Capillary paths that take no till credentials."""
DEMO_PASSWORD_MD5 = hashlib.md5(b"till123").hexdigest()

SECURITY_SCHEMES: dict[str, Any] = {
    "CapillaryBasic": {
        "type": "http",
        "scheme": "basic",
        "description": (
            "Capillary's Basic auth: the username is the till code, the password the **md5 hex "
            "of the till's password**. Demo: `org2.till1` / `f4af9a9ff4dbd4e6dd5b4e8d4e1fbb46` "
            "(md5 of `till123`)."
        ),
    },
    "CapillaryOAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CAP-API-OAUTH-TOKEN",
        "description": (
            "An access token from POST /v3/oauth/token/generate (demo: key `demo-client-key`, "
            "secret `demo-client-secret`)."
        ),
    },
    "EmulatorAdminToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CAPEMU-ADMIN-TOKEN",
        "description": "Only when the emulator runs with CAPEMU_ADMIN_TOKEN set.",
    },
}

ERROR_SCHEMAS: dict[str, Any] = {
    "CapillaryErrorBody": {
        "title": "CapillaryErrorBody",
        "description": "Capillary's error envelope: the refusal's code and message in `errors[]`.",
        "type": "object",
        "properties": {
            "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/StatusItem"}},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/StatusItem"}},
        },
        "required": ["warnings", "errors"],
        "example": {
            "warnings": [],
            "errors": [{"status": False, "code": 8015, "message": "Customer not found"}],
        },
    },
    "V11ErrorBody": {
        "title": "V11ErrorBody",
        "description": 'v1.1\'s error envelope: `response.status` with success "false".',
        "type": "object",
        "properties": {
            "response": {
                "type": "object",
                "properties": {"status": {"$ref": "#/components/schemas/V11Status"}},
            }
        },
        "example": {
            "response": {"status": {"success": "false", "code": 401, "message": "Unauthorized"}}
        },
    },
}

BUSINESS_ERROR_NOTE = (
    "A Capillary error (the envelope's `errors[]` carries the code and message). Business "
    "refusals answer HTTP 200 like Capillary does (400 with CAPEMU_BUSINESS_ERROR_STATUS=400); "
    "401 is bad credentials, 403 the admin token, 404/405 an unknown path or method, 415 a body "
    "that is not JSON."
)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(ERROR_SCHEMAS)
    components["securitySchemes"] = SECURITY_SCHEMES
    samples = _samples_by_operation()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            _complete(path, operation)
            sample = samples.get((method.upper(), path))
            if sample is not None:
                _add_sample(operation, sample)
    _declare_v11_customer_keys(document["paths"]["/v1.1/points/isredeemable"]["get"])
    return document


def _complete(path: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    responses.pop("422", None)
    envelope = "V11ErrorBody" if path.startswith("/v1.1/") else "CapillaryErrorBody"
    responses["default"] = {
        "description": BUSINESS_ERROR_NOTE,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{envelope}"}}},
    }
    if path.startswith(CONTROL_PLANE):
        operation["security"] = [{"EmulatorAdminToken": []}, {}]
    elif path not in UNAUTHENTICATED:
        operation["security"] = [{"CapillaryBasic": []}, {"CapillaryOAuth": []}]


def _add_sample(operation: dict[str, Any], sample: dict[str, Any]) -> None:
    name = re.sub(r"[^A-Za-z0-9]+", "-", sample["title"]).strip("-").lower()
    if sample["body"] is not None:
        content = operation["requestBody"]["content"]["application/json"]
        content["examples"] = {name: {"summary": sample["title"], "value": sample["body"]}}
    query = dict(parse_qsl(urlsplit(sample["path"]).query))
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] in query:
            parameter["example"] = query[parameter["name"]]
    ok = operation["responses"].get("200", {}).get("content", {}).get("application/json")
    if ok is not None and sample.get("response") is not None:
        ok["examples"] = {name: {"summary": sample["title"], "value": sample["response"]}}


def _declare_v11_customer_keys(operation: dict[str, Any]) -> None:
    declared = {p["name"] for p in operation.get("parameters", [])}
    operation.setdefault("parameters", []).extend(
        {
            "name": key,
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": f"The customer by {kind} (send one customer key).",
        }
        for key, kind in CUSTOMER_FIELDS.items()
        if key not in declared
    )


@cache
def _samples_by_operation() -> dict[tuple[str, str], dict[str, Any]]:
    document = json.loads(CAPILLARY_SAMPLES_FILE.read_text(encoding="utf-8"))
    return {
        (sample["method"], urlsplit(sample["path"]).path): sample for sample in document["samples"]
    }
