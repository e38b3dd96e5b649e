"""The benchmark org and the request files the load generators replay.

One org with N customers who each hold plenty of points, so no transfer ever hits 804. Request
files hold one request per line (`METHOD<TAB>PATH<TAB>BODY`); wrk (bench/wrk.lua) and the Python
fallback both rotate through the same file, so the two generators send identical traffic.
"""

import base64
import hashlib
import json
import random
from pathlib import Path
from typing import Any

ORG_ID = 990001
TILL_ID = 990001
TILL_CODE = "bench.till1"
TILL_PASSWORD = "bench123"
PROGRAM_ID = 990001
FIRST_USER_ID = 990_000_000
FIRST_MOBILE = 8_000_000_000
COUNTRY_CODE = "91"
POINTS_EACH = 1_000_000
"""Enough for every transfer a bounded run can make (each moves 1 point)."""
REQUESTS_PER_FILE = 4096

AUTHORIZATION = (
    "Basic "
    + base64.b64encode(
        f"{TILL_CODE}:{hashlib.md5(TILL_PASSWORD.encode()).hexdigest()}".encode()
    ).decode()
)


def user_id(index: int) -> int:
    return FIRST_USER_ID + index


def mobile(index: int) -> str:
    """The national number; the seed stores it with the org's country code in front."""
    return str(FIRST_MOBILE + index)


def seed_document(customers: int) -> dict[str, Any]:
    """The org, its till and program, and `customers` customers with POINTS_EACH points each."""
    return {
        "orgs": [
            {
                "orgId": ORG_ID,
                "name": "Bench Org",
                "timezone": "+05:30",
                "defaultCountryCode": COUNTRY_CODE,
                "config": {
                    "ALLOW_POINTS_TRANSFER": True,
                    "POINTS_TRANSFER_OTP_REQUIRED": False,
                },
                "tills": [
                    {
                        "tillId": TILL_ID,
                        "code": TILL_CODE,
                        "password": TILL_PASSWORD,
                        "storeName": "Bench Store",
                        "storeCode": "bench.store",
                    }
                ],
                "programs": [{"programId": PROGRAM_ID, "name": "BenchProgram", "default": True}],
                "customers": [
                    {
                        "userId": user_id(i),
                        "firstName": f"Bench{i}",
                        "lastName": "Customer",
                        "identifiers": {
                            "mobile": COUNTRY_CODE + mobile(i),
                            "externalId": f"bench-{i}",
                        },
                        "points": [
                            {
                                "programId": PROGRAM_ID,
                                "points": POINTS_EACH,
                                "transactionNumber": f"bench-bill-{i}",
                                "awardedAt": "-P1D",
                            }
                        ],
                    }
                    for i in range(customers)
                ],
            }
        ]
    }


def _identifier(rng: random.Random, index: int) -> dict[str, str]:
    if rng.random() < 0.5:
        return {"type": "ID", "value": str(user_id(index))}
    return {"type": "MOBILE", "value": mobile(index)}


def _pair(rng: random.Random, customers: int) -> tuple[int, int]:
    source = rng.randrange(customers)
    target = rng.randrange(customers - 1)
    return source, target + (target >= source)


def transfer_body(rng: random.Random, customers: int) -> dict[str, Any]:
    """Shaped like the doc's "Transfer Points (Customer to Customer)" sample, without OTP."""
    source, target = _pair(rng, customers)
    return {
        "pointsTobeTransferred": 1,
        "groupProgramTransfer": "false",
        "programId": PROGRAM_ID,
        "notes": f"bench transfer {rng.randrange(1_000_000):06d}: points moved between customers",
        "fromCustomerIdentifier": _identifier(rng, source),
        "toCustomerIdentifier": _identifier(rng, target),
    }


def is_transferrable_body(rng: random.Random, customers: int) -> dict[str, Any]:
    return {**transfer_body(rng, customers), "issueOtp": False}


def by_mobile_query(rng: random.Random, customers: int) -> str:
    return (
        f"identifierName=mobile&identifierValue={mobile(rng.randrange(customers))}&source=INSTORE"
    )


SCENARIOS: dict[str, tuple[str, str]] = {
    # name: (method, path or path prefix for GETs)
    "transfer": ("POST", "/v2/points/transfer"),
    "isTransferrable": ("POST", "/v2/points/isTransferrable"),
    "history": ("GET", "/v2/points/transfer"),
    "ledgerInfo": ("GET", "/v2/pointsLedger/getCustomerLedgerInfo"),
    "ceilingPost": ("POST", "/ceiling/transfer"),
    "ceilingGet": ("GET", "/ceiling/ledger"),
}


def request_lines(scenario: str, customers: int, *, seed: int = 7) -> list[str]:
    rng = random.Random(f"{scenario}:{seed}")
    method, path = SCENARIOS[scenario]
    lines = []
    for _ in range(REQUESTS_PER_FILE):
        if scenario in ("transfer", "ceilingPost"):
            body = json.dumps(transfer_body(rng, customers), separators=(",", ":"))
            lines.append(f"{method}\t{path}\t{body}")
        elif scenario == "isTransferrable":
            body = json.dumps(is_transferrable_body(rng, customers), separators=(",", ":"))
            lines.append(f"{method}\t{path}\t{body}")
        else:
            lines.append(f"{method}\t{path}?{by_mobile_query(rng, customers)}\t")
    return lines


def write_request_file(directory: Path, scenario: str, customers: int) -> Path:
    path = directory / f"{scenario}.requests"
    path.write_text("\n".join(request_lines(scenario, customers)) + "\n", encoding="utf-8")
    return path
