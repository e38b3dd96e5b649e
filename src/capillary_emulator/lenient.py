"""Lenient request fields: anything passes validation (the service answers a bad value with
Capillary's code, never FastAPI's 422), while the OpenAPI document shows the type Capillary
documents. `Annotated[Any, WithJsonSchema(...)]`, one alias per kind of field."""

from typing import Annotated, Any

from pydantic import WithJsonSchema

IDENTIFIER_TYPE_NAMES = ["mobile", "email", "externalId", "cardnumber", "cardExternalId", "id"]
"""The documented spellings (any case; MOBILE, EXTERNAL_ID and others are accepted too)."""

_IDENTIFIER_TYPE = {
    "type": "string",
    "description": "mobile, email, externalId, cardnumber, cardExternalId, id (any case)",
    "examples": ["MOBILE"],
}

Whole = Annotated[Any, WithJsonSchema({"type": "integer"})]
Points = Annotated[Any, WithJsonSchema({"type": "number", "minimum": 0})]
Text = Annotated[Any, WithJsonSchema({"type": "string"})]
Flag = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}],
            "description": 'true/false, or the strings "true"/"false" Capillary clients send',
        }
    ),
]
TextList = Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "string"}})]
CustomerIdentifier = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "object",
            "properties": {"type": _IDENTIFIER_TYPE, "value": {"type": "string"}},
            "required": ["type", "value"],
        }
    ),
]
_ENTITY_FIELDS = {
    "identifierType": _IDENTIFIER_TYPE,
    "identifierValue": {"type": "string"},
    "source": {"type": "string", "examples": ["INSTORE"]},
    "accountId": {"type": "string"},
}
ActingCustomer = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "object",
            "properties": _ENTITY_FIELDS,
            "required": ["identifierType", "identifierValue"],
        }
    ),
]
TransferEntity = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["CUSTOMER", "USERGROUP2"]},
                **_ENTITY_FIELDS,
            },
            "required": ["type", "identifierType", "identifierValue"],
        }
    ),
]
RedeemRoot = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                "redeem": {
                    "description": "One redemption, or a list of them",
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "points_redeemed": {"type": "integer"},
                            "customer": {
                                "type": "object",
                                "properties": {
                                    k: {"type": "string"}
                                    for k in (
                                        "mobile",
                                        "email",
                                        "external_id",
                                        "card_number",
                                        "card_external_id",
                                    )
                                },
                            },
                            "transaction_number": {"type": "string"},
                            "external_reference_number": {"type": "string"},
                            "validation_code": {"type": "string"},
                            "redemption_time": {
                                "type": "string",
                                "description": "YYYY-MM-DD HH:MM:SS",
                            },
                            "redemption_purpose": {"type": "string"},
                            "notes": {"type": "string"},
                        },
                        "required": ["points_redeemed", "customer"],
                    },
                }
            },
            "required": ["redeem"],
        }
    ),
]


V11CustomerRoot = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                "customer": {
                    "description": "One customer, or a list of them",
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            **{
                                k: {"type": "string"}
                                for k in (
                                    "mobile",
                                    "email",
                                    "external_id",
                                    "id",
                                    "firstname",
                                    "lastname",
                                    "source",
                                )
                            },
                            "type": {"type": "string", "enum": ["LOYALTY", "NON_LOYALTY"]},
                        },
                    },
                }
            },
        }
    ),
]
