"""Comparing a response with a documented sample by shape, for every contract test.

A response matches when every key of the sample is present with the sample's JSON type,
recursively; extra keys are allowed (newer Capillary fields never break a client). JSON types
are object, array, string, boolean, null, and numbers split as Python's json module splits them:
`10` is an integer and `15.0` a float, so a sample that prints a float demands a float. A list is
compared item by item against the sample's first item, and must not be empty when the sample's
is not (an empty list would hide every key). A `null` in the sample accepts any value.
"""

import json
from typing import Any

from fastapi.testclient import TestClient

from capillary_emulator.config import CAPILLARY_SAMPLES_FILE
from tests.support import DEMO_AUTH, audit_ok

SAMPLES_FILE = CAPILLARY_SAMPLES_FILE
"""A copy of shared/seed/samples.json (shipped with the package: /docs shows them as examples)."""


def load_samples() -> list[dict[str, Any]]:
    return list(json.loads(SAMPLES_FILE.read_text(encoding="utf-8"))["samples"])


def sample_titled(title: str) -> dict[str, Any]:
    return next(s for s in load_samples() if s["title"] == title)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def shape_differences(sample: Any, actual: Any, at: str = "$") -> list[str]:
    """Every place where `actual` lacks a key of `sample` or holds another JSON type."""
    if sample is None:
        return []
    expected, found = json_type(sample), json_type(actual)
    if expected != found:
        return [f"{at}: {found} where the sample has {expected}"]
    if isinstance(sample, dict):
        problems = []
        for key, value in sample.items():
            if key not in actual:
                problems.append(f"{at}.{key}: missing")
            else:
                problems += shape_differences(value, actual[key], f"{at}.{key}")
        return problems
    if isinstance(sample, list) and sample:
        if not actual:
            return [f"{at}: empty where the sample has items"]
        return [
            problem
            for i, item in enumerate(actual)
            for problem in shape_differences(sample[0], item, f"{at}[{i}]")
        ]
    return []


def assert_same_shape(sample: Any, actual: Any) -> None:
    problems = shape_differences(sample, actual)
    assert not problems, "response differs from the documented sample:\n" + "\n".join(problems)


def assert_sample_replays(client: TestClient, sample: dict[str, Any]) -> None:
    """The sample request, sent verbatim with the demo till, succeeds with the sample's shape
    and leaves the audit clean."""
    response = client.request(
        sample["method"], sample["path"], json=sample["body"], headers=DEMO_AUTH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["errors"] == [], body
    assert_same_shape(sample["response"], body)
    audit_ok(client)
