"""Transfers sent from threads against a served emulator, for the tests that disturb it while
it works (resets racing them, a worker killed under them): a seed without OTPs, and a record of
every answer."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from capillary_emulator.config import DEMO_SEED_FILE
from tests.support.api import basic_auth

ORG = 730001
PASSWORD = "traffic-730"
PROGRAM = ORG * 10 + 1
PAIRS = 8
"""Pairs of customers; each pair's two customers send points to each other."""
TRANSFER = "/v2/points/transfer"


def mobile(n: int) -> str:
    return f"98765{n:05d}"


def traffic_seed() -> dict[str, Any]:
    """One org, transfers on without OTP, 2 * PAIRS customers holding 1000 points each."""
    return {
        "orgs": [
            {
                "orgId": ORG,
                "name": "Traffic Org",
                "timezone": "+05:30",
                "defaultCountryCode": "91",
                "config": {"ALLOW_POINTS_TRANSFER": True, "POINTS_TRANSFER_OTP_REQUIRED": False},
                "tills": [{"tillId": ORG * 10 + 1, "code": f"till-{ORG}", "password": PASSWORD}],
                "programs": [{"programId": PROGRAM, "name": "Traffic", "default": True}],
                "customers": [
                    {
                        "userId": ORG * 1000 + n,
                        "firstName": f"C{n}",
                        "lastName": "Traffic",
                        "identifiers": {"mobile": "91" + mobile(n)},
                        "points": [{"programId": PROGRAM, "points": 1000}],
                    }
                    for n in range(2 * PAIRS)
                ],
            }
        ]
    }


def write_traffic_seed(directory: Path) -> Path:
    """The demo seed plus the traffic org: a reset restores both (the demo data makes it take
    long enough for transfers to race it)."""
    demo = yaml.safe_load(DEMO_SEED_FILE.read_text())
    demo["orgs"] += traffic_seed()["orgs"]
    path = directory / "traffic-seed.yaml"
    path.write_text(yaml.safe_dump(demo))
    return path


AUTH = basic_auth(f"till-{ORG}", PASSWORD)


def transfer_body(sender: int, recipient: int, points: int = 1) -> dict[str, Any]:
    return {
        "pointsTobeTransferred": points,
        "groupProgramTransfer": "false",
        "programId": PROGRAM,
        "notes": "traffic",
        "fromCustomerIdentifier": {"type": "MOBILE", "value": mobile(sender)},
        "toCustomerIdentifier": {"type": "MOBILE", "value": mobile(recipient)},
    }


@dataclass
class Traffic:
    """Threads, one per pair, sending transfers back and forth until `stop` is set."""

    base_url: str
    stop: threading.Event = field(default_factory=threading.Event)
    statuses: list[int] = field(default_factory=list)
    """The HTTP status of every answer."""
    acknowledged: list[int] = field(default_factory=list)
    """The transferId of every transfer answered as done."""
    failures: list[str] = field(default_factory=list)
    """Connection errors and 5xx answers, described."""
    tolerate_connection_errors: bool = False
    on_answer: Callable[[], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "Traffic":
        for pair in range(PAIRS):
            thread = threading.Thread(target=self._run, args=(pair,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def join(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run(self, pair: int) -> None:
        a, b = 2 * pair, 2 * pair + 1
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            turn = 0
            while not self.stop.is_set():
                sender, recipient = (a, b) if turn % 2 == 0 else (b, a)
                turn += 1
                try:
                    response = http.post(
                        TRANSFER, json=transfer_body(sender, recipient), headers=AUTH
                    )
                except httpx.HTTPError as exc:
                    with self._lock:
                        if not self.tolerate_connection_errors:
                            self.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                with self._lock:
                    self.statuses.append(response.status_code)
                    if response.status_code >= 500:
                        self.failures.append(f"{response.status_code}: {response.text[:300]}")
                    elif response.status_code == 200 and not response.json().get("errors"):
                        self.acknowledged.append(int(response.json()["data"][0]["transferId"]))
                if self.on_answer is not None:
                    self.on_answer()
