"""Every Capillary endpoint the emulator serves, as one successful request each, for counting.

`bench.profile_transfer` sends `Endpoint.prepare(client, i)`'s request and counts the
statements it runs; whatever a request needs beforehand (an OTP to validate, a redemption to
reverse) `prepare` does itself, before the count starts. The bench org of `bench.workload`
gets what the group, redemption and OAuth endpoints need on top (`profile_document`): a few
user groups led by its first customers, redemption reversal and group loyalty switched on
(both flags only matter to their own endpoints), and an OAuth client.
"""

import functools
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench import workload

GROUPS = 20
FIRST_GROUP_ID = 990_100
OAUTH_KEY = "bench-client-key"
OAUTH_SECRET = "bench-client-secret"
V11 = "format=json"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None
    authorized: bool = True
    """Sends the bench till's Basic credentials (the OAuth token request sends none)."""


def profile_document(customers: int) -> dict[str, Any]:
    document = workload.seed_document(customers)
    org = document["orgs"][0]
    org["config"].update(ENABLE_USER_GROUP_LOYALTY=True, ALLOW_POINTS_REDEMPTION_REVERSAL=True)
    org["oauthClients"] = [
        {"key": OAUTH_KEY, "secret": OAUTH_SECRET, "tillCode": workload.TILL_CODE}
    ]
    org["userGroups"] = [
        {
            "groupId": FIRST_GROUP_ID + g,
            "name": f"Bench group {g}",
            "members": [{"userId": workload.user_id(g), "primaryMember": True}],
            "points": [{"programId": workload.PROGRAM_ID, "points": workload.POINTS_EACH}],
        }
        for g in range(min(GROUPS, customers))
    ]
    return document


@functools.cache
def _request_lines(scenario: str, customers: int) -> list[str]:
    return workload.request_lines(scenario, customers)


def _from_file(scenario: str) -> Callable[[int, int], Call]:
    """The load scenario's own requests (the lines wrk replays)."""

    def build(customers: int, i: int) -> Call:
        lines = _request_lines(scenario, customers)
        method, path, body = lines[i % len(lines)].split("\t", 2)
        return Call(method, path, json.loads(body) if body else None)

    return build


def _mobile_query(customers: int, i: int) -> str:
    rng = random.Random(f"query:{i}")
    return workload.by_mobile_query(rng, customers)


def _group_body(customers: int, i: int) -> dict[str, Any]:
    g = i % min(GROUPS, customers)
    target = workload.mobile(min(GROUPS, customers) + i % max(1, customers - GROUPS))
    return {
        "pointsTobeTransferred": 1,
        "notes": "bench group transfer",
        "programId": workload.PROGRAM_ID,
        "transferredBy": {"identifierType": "mobile", "identifierValue": workload.mobile(g)},
        "fromEntity": {
            "type": "USERGROUP2",
            "identifierType": "id",
            "identifierValue": str(FIRST_GROUP_ID + g),
        },
        "toEntity": {
            "type": "CUSTOMER",
            "identifierType": "mobile",
            "identifierValue": target,
            "source": "INSTORE",
        },
    }


def _redeem_call(customers: int, i: int) -> Call:
    item = {"points_redeemed": 1, "customer": {"mobile": workload.mobile(i % customers)}}
    return Call(
        "POST", f"/v1.1/points/redeem?{V11}&skip_validation=true", {"root": {"redeem": [item]}}
    )


def _otp_body(customers: int, i: int) -> dict[str, Any]:
    mobile = workload.mobile(i % customers)
    return {
        "entityType": "MOBILE",
        "entityValue": mobile,
        "action": "GENERIC",
        "template": "Your code is {{ validation_code }}",
        "channels": [{"type": "SMS", "value": mobile}],
    }


Prepare = Callable[[httpx.AsyncClient, int, int], Awaitable[Call]]


def _static(build: Callable[[int, int], Call]) -> Prepare:
    async def prepare(_client: httpx.AsyncClient, customers: int, i: int) -> Call:
        return build(customers, i)

    return prepare


async def _reverse(client: httpx.AsyncClient, customers: int, i: int) -> Call:
    redeem = _redeem_call(customers, i)
    answer = (await send(client, redeem)).json()
    redemption = answer["response"]["responses"]["points"]["redemption_id"]
    identifier = {"type": "mobile", "value": workload.mobile(i % customers)}
    body = {"redemptionId": str(redemption), "identifier": identifier, "pointsToBeReversed": 1}
    return Call("POST", "/v2/points/reverse", body)


async def _validate(client: httpx.AsyncClient, customers: int, i: int) -> Call:
    body = _otp_body(customers, i)
    await send(client, Call("POST", "/v2/otp/generate", body))
    inbox = await client.get(
        "/_emulator/otps",
        params={
            "orgId": workload.ORG_ID,
            "identifierType": "mobile",
            "identifierValue": body["entityValue"],
        },
    )
    code = next(o["code"] for o in inbox.json()["otps"] if not o["used"])
    fields = {k: body[k] for k in ("entityType", "entityValue", "action")}
    return Call("POST", "/v2/otp/validate", {**fields, "code": code})


@dataclass(frozen=True)
class Endpoint:
    name: str
    title: str
    prepare: Prepare


def _get(path: str) -> Callable[[int, int], Call]:
    return lambda customers, i: Call("GET", f"{path}?{_mobile_query(customers, i)}")


def _post(path: str, body: Callable[[int, int], dict[str, Any]]) -> Callable[[int, int], Call]:
    return lambda customers, i: Call("POST", path, body(customers, i))


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("transfer", "POST /v2/points/transfer", _static(_from_file("transfer"))),
    Endpoint(
        "isTransferrable", "POST /v2/points/isTransferrable", _static(_from_file("isTransferrable"))
    ),
    Endpoint(
        "issuePointsTransferOtp",
        "POST /v2/points/issuePointsTransferOtp",
        _static(
            _post(
                "/v2/points/issuePointsTransferOtp",
                lambda customers, i: workload.transfer_body(random.Random(i), customers),
            )
        ),
    ),
    Endpoint("history", "GET /v2/points/transfer (history)", _static(_from_file("history"))),
    Endpoint(
        "ledgerBalance",
        "GET /v2/pointsLedger/getCustomerLedgerBalance",
        _static(_get("/v2/pointsLedger/getCustomerLedgerBalance")),
    ),
    Endpoint(
        "ledgerInfo",
        "GET /v2/pointsLedger/getCustomerLedgerInfo",
        _static(_from_file("ledgerInfo")),
    ),
    Endpoint(
        "groupIsTransferrable",
        "POST /v2/points/userGroup2/isTransferrable",
        _static(_post("/v2/points/userGroup2/isTransferrable", _group_body)),
    ),
    Endpoint(
        "groupTransfer",
        "POST /v2/points/userGroup2/transfer",
        _static(_post("/v2/points/userGroup2/transfer", _group_body)),
    ),
    Endpoint(
        "isredeemable",
        "GET /v1.1/points/isredeemable",
        _static(
            lambda customers, i: Call(
                "GET",
                f"/v1.1/points/isredeemable?{V11}&points=1&mobile={workload.mobile(i % customers)}",
            )
        ),
    ),
    Endpoint("redeem", "POST /v1.1/points/redeem", _static(_redeem_call)),
    Endpoint("reverse", "POST /v2/points/reverse", _reverse),
    Endpoint("otpGenerate", "POST /v2/otp/generate", _static(_post("/v2/otp/generate", _otp_body))),
    Endpoint("otpValidate", "POST /v2/otp/validate", _validate),
    Endpoint(
        "oauthToken",
        "POST /v3/oauth/token/generate",
        _static(
            lambda _customers, _i: Call(
                "POST",
                "/v3/oauth/token/generate",
                {"key": OAUTH_KEY, "secret": OAUTH_SECRET},
                authorized=False,
            )
        ),
    ),
)
TITLES = {e.name: e.title for e in ENDPOINTS}


def succeeded(response: httpx.Response) -> bool:
    """200 and no error in the body, in whichever envelope the endpoint answers."""
    if response.status_code != 200:
        return False
    payload = response.json()
    if not isinstance(payload, dict):
        return False
    if payload.get("errors"):
        return False
    status = (payload.get("response") or {}).get("status")  # v1.1's envelope
    return status is None or str(status.get("success")).lower() == "true"


async def send(client: httpx.AsyncClient, call: Call) -> httpx.Response:
    headers = {"Authorization": workload.AUTHORIZATION} if call.authorized else {}
    response = await client.request(call.method, call.path, json=call.body, headers=headers)
    if not succeeded(response):
        raise RuntimeError(f"{call.method} {call.path}: {response.status_code} {response.text}")
    return response
