"""`Emulator`: the control plane (`/_emulator/*`) over HTTP, one method per call, typed answers.

Talks to a running emulator only through HTTP (never imports the server), so it works the same
against `capillary-emulator serve`, the docker image or a shared CI service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import httpx

ADMIN_HEADER = "X-CAPEMU-ADMIN-TOKEN"
MAX_WAIT_SECONDS = 30.0
"""The longest `wait=` the control plane takes; longer waits are several polls."""


class EmulatorError(Exception):
    """The control plane refused a call (4xx/5xx): its HTTP status and the error it sent."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"{status} (code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message


class OtpNotIssued(TimeoutError):
    """`wait_otp` ran out of time with no matching code."""


@dataclass(frozen=True)
class Health:
    status: str


@dataclass(frozen=True)
class ClockReading:
    now: datetime
    frozen: bool
    org_id: int | None = None
    own_clock: bool = False
    """With `org_id`: the org has a clock of its own (else it reads the global one)."""


@dataclass(frozen=True)
class Otp:
    id: int
    org_id: int
    code: str
    action: str
    user_id: int | None
    entity_type: str | None
    entity_value: str | None
    issued_at: datetime
    expires_at: datetime
    used: bool
    expired: bool
    failed_attempts: int


@dataclass(frozen=True)
class Fault:
    id: int
    method: str
    path: str
    status: int
    code: int
    message: str
    remaining: int | None
    delay_ms: int
    org_id: int | None


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: datetime
    worker: int | str | None
    method: str
    path: str
    query: str
    body: Any
    body_bytes: int
    body_truncated: bool
    status: int
    org_id: int | None
    codes: list[int]
    duration_ms: float


@dataclass(frozen=True)
class Audit:
    ok: bool
    violations: list[dict[str, Any]]


@dataclass(frozen=True)
class SeedResult:
    """What `POST /_emulator/seed` created, per org: ids of tills, programs, customers, ..."""

    orgs: list[dict[str, Any]]


@dataclass(frozen=True)
class Customer:
    user_id: int
    identifiers: dict[str, str]


@dataclass(frozen=True)
class Program:
    program_id: int
    name: str
    default: bool


@dataclass(frozen=True)
class UserGroup:
    group_id: int
    external_id: str | None
    name: str | None


@dataclass(frozen=True)
class OAuthClient:
    key: str
    secret: str


@dataclass(frozen=True)
class Org:
    """An isolated org made by `Emulator.create_org`: its ids, its till's credentials, and the
    control calls scoped to it."""

    emulator: Emulator = field(repr=False, compare=False)
    org_id: int
    program_id: int
    till_code: str
    password: str
    authorization: str
    """The `Authorization` header of its till (`Basic base64(till:md5(password))`)."""
    oauth: OAuthClient
    programs: list[Program]
    customers: list[Customer]
    user_groups: list[UserGroup]
    redemptions: list[int]

    @property
    def clock(self) -> OrgClock:
        """This org's own clock; no other org sees it move."""
        return OrgClock(self.emulator, self.org_id)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An `httpx.Client` on the emulator, authenticated as this org's till (close it, or use
        it in a `with`)."""
        headers = {"Authorization": self.authorization, **kwargs.pop("headers", {})}
        return httpx.Client(
            base_url=self.emulator.base_url,
            headers=headers,
            timeout=kwargs.pop("timeout", 30),
            **kwargs,
        )

    def customer(self, identifier: str) -> Customer:
        """The org's customer with this identifier value (mobile, email or external id)."""
        for customer in self.customers:
            if identifier in customer.identifiers.values():
                return customer
        raise KeyError(identifier)

    def otps(self, **filters: Any) -> list[Otp]:
        return self.emulator.otps(org_id=self.org_id, **filters)

    def wait_otp(self, **filters: Any) -> Otp:
        """The newest OTP of this org matching the filters; see `Emulator.wait_otp`."""
        return self.emulator.wait_otp(org_id=self.org_id, **filters)

    def add_fault(self, path: str, **spec: Any) -> Fault:
        """A fault that fails or slows only this org's calls; see `Emulator.add_fault`."""
        return self.emulator.add_fault(path, org_id=self.org_id, **spec)

    def journal(self, **filters: Any) -> list[JournalEntry]:
        return self.emulator.journal(org_id=self.org_id, **filters)

    def snapshot(self) -> dict[str, Any]:
        """This org's state as a snapshot document; `restore` puts it back."""
        return self.emulator.snapshot(self.org_id)

    def restore(self, document: dict[str, Any]) -> None:
        self.emulator.restore(document)

    def delete(self) -> None:
        self.emulator.delete_org(self.org_id)


@dataclass(frozen=True)
class OrgClock:
    """`GET|POST /_emulator/clock?orgId=N`."""

    emulator: Emulator = field(repr=False)
    org_id: int

    def read(self) -> ClockReading:
        return self.emulator.clock(org_id=self.org_id)

    @property
    def now(self) -> datetime:
        return self.read().now

    def set(self, instant: datetime | str) -> ClockReading:
        return self.emulator.clock(org_id=self.org_id, set=instant)

    def advance(self, by: timedelta | str) -> ClockReading:
        return self.emulator.clock(org_id=self.org_id, advance=by)

    def freeze(self, frozen: bool = True) -> ClockReading:
        return self.emulator.clock(org_id=self.org_id, freeze=frozen)

    def unfreeze(self) -> ClockReading:
        return self.freeze(False)


class Emulator:
    """The control plane of the emulator at `base_url`.

    >>> emulator = Emulator("http://127.0.0.1:8000")
    >>> org = emulator.create_org(customers=[{"identifiers": {"mobile": "919000000001"}}])
    >>> with org.client() as capillary:
    ...     capillary.get("/v2/pointsLedger/getCustomerLedgerBalance", params=...)
    """

    def __init__(self, base_url: str, admin_token: str | None = None, *, timeout: float = 60):
        self.base_url = base_url.rstrip("/")
        self.admin_token = admin_token
        headers = {ADMIN_HEADER: admin_token} if admin_token else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def __repr__(self) -> str:
        return f"Emulator({self.base_url!r})"

    def __enter__(self) -> Emulator:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the calls -------------------------------------------------------------------------

    def health(self) -> Health:
        """`{"status": "ok"}` once migrated and seeded; "starting" (HTTP 503) before."""
        answer = self._http.get("/_emulator/health")
        if answer.status_code not in (200, 503):
            _raise_for(answer)
        return Health(status=answer.json()["status"])

    def reset(self, org_id: int | None = None) -> None:
        """Everything back to the seed, global clock too. With `org_id`: that org's data back to
        the seed and its own clock cleared (today the global clock is reset as well, and an org
        that is not in the seed, such as one `create_org` made, is removed)."""
        self._call("POST", "/_emulator/reset", params=_params(orgId=org_id))

    def seed(self, document: dict[str, Any]) -> SeedResult:
        """Add a seed document next to what is there (all or nothing)."""
        return SeedResult(orgs=self._call("POST", "/_emulator/seed", json=document)["orgs"])

    def create_org(self, **body: Any) -> Org:
        """A fresh, isolated org. Keyword arguments are the body of `POST /_emulator/orgs` in
        the seed-document format (`customers=[...]`, `config={...}`, `programs=[...]`,
        `userGroups=[...]`, `redemptions=[...]`, `timezone=...`, `defaultCountryCode=...`)."""
        return _org(self, self._call("POST", "/_emulator/orgs", json=body))

    def delete_org(self, org_id: int) -> None:
        """Remove the org and all its data; its till gets 401 afterwards."""
        self._call("DELETE", f"/_emulator/orgs/{org_id}")

    def clock(
        self,
        org_id: int | None = None,
        *,
        set: datetime | str | None = None,
        advance: timedelta | str | None = None,
        freeze: bool | None = None,
    ) -> ClockReading:
        """Read the clock (the global one, or the org's); with one of `set` (an instant),
        `advance` (a timedelta or an ISO 8601 duration such as "P1D") or `freeze`, change it
        first. Expiring points are debited as the clock passes their expiry."""
        params = _params(orgId=org_id)
        commands = {
            "set": set.isoformat() if isinstance(set, datetime) else set,
            "advance": _duration(advance) if isinstance(advance, timedelta) else advance,
            "freeze": freeze,
        }
        given = {k: v for k, v in commands.items() if v is not None}
        if len(given) > 1:
            raise ValueError("pass at most one of set, advance and freeze")
        if given:
            body = self._call("POST", "/_emulator/clock", params=params, json=given)
        else:
            body = self._call("GET", "/_emulator/clock", params=params)
        return ClockReading(
            now=datetime.fromisoformat(body["now"]),
            frozen=body["frozen"],
            org_id=body.get("orgId"),
            own_clock=body.get("ownClock", False),
        )

    def otps(
        self,
        org_id: int | None = None,
        *,
        identifier_type: str | None = None,
        identifier_value: str | None = None,
        mobile: str | None = None,
        since: datetime | str | None = None,
        wait: float = 0,
    ) -> list[Otp]:
        """OTPs issued, newest first. `mobile="9190..."` is short for identifier_type="mobile";
        `since`: issued at or after (emulator clock); `wait` (seconds, max 30): long-poll until
        one matches."""
        if mobile is not None:
            identifier_type, identifier_value = "mobile", mobile
        params = _params(
            orgId=org_id,
            identifierType=identifier_type,
            identifierValue=identifier_value,
            since=since.isoformat() if isinstance(since, datetime) else since,
            wait=wait or None,
        )
        body = self._call("GET", "/_emulator/otps", params=params, wait=wait)
        return [_otp(o) for o in body["otps"]]

    def wait_otp(
        self,
        org_id: int | None = None,
        *,
        timeout: float = MAX_WAIT_SECONDS,
        **filters: Any,
    ) -> Otp:
        """The newest OTP matching the filters of `otps` (`mobile=`, `since=`, ...), waiting up
        to `timeout` seconds for one to be issued; raises `OtpNotIssued` if none is."""
        left = timeout
        while True:
            found = self.otps(org_id, wait=min(left, MAX_WAIT_SECONDS), **filters)
            if found:
                return found[0]
            left -= MAX_WAIT_SECONDS
            if left <= 0:
                raise OtpNotIssued(f"no OTP matching {filters} (org {org_id}) in {timeout} s")

    def add_fault(
        self,
        path: str,
        *,
        method: str | None = None,
        status: int | None = None,
        code: int | None = None,
        message: str | None = None,
        count: int | None = None,
        delay_ms: int | None = None,
        org_id: int | None = None,
    ) -> Fault:
        """Fail (`status`, `code`, `message`) or slow (`delay_ms`) the calls to `path` (a glob
        such as "/v2/points/*"), the next `count` of them or all; with `org_id`, only the
        calls authenticated as that org."""
        spec = _params(
            path=path,
            method=method,
            status=status,
            code=code,
            message=message,
            count=count,
            delayMs=delay_ms,
            orgId=org_id,
        )
        return _fault(self._call("POST", "/_emulator/faults", json=spec))

    def faults(self) -> list[Fault]:
        return [_fault(f) for f in self._call("GET", "/_emulator/faults")["faults"]]

    def clear_faults(self, fault_id: int | None = None) -> int:
        """Remove every fault (or one); how many were removed."""
        path = "/_emulator/faults" if fault_id is None else f"/_emulator/faults/{fault_id}"
        return int(self._call("DELETE", path)["removed"])

    def journal(
        self,
        *,
        path: str | None = None,
        method: str | None = None,
        status: int | None = None,
        org_id: int | None = None,
        code: int | None = None,
        since: datetime | str | None = None,
        limit: int | None = None,
        wait: float = 0,
    ) -> list[JournalEntry]:
        """The Capillary calls the emulator answered, newest first, filtered; `wait` (max 30
        s): answers once one matches."""
        params = _journal_params(path, method, status, org_id, code, since, wait) | _params(
            limit=limit
        )
        body = self._call("GET", "/_emulator/journal", params=params, wait=wait)
        return [_journal_entry(e) for e in body["entries"]]

    def journal_count(
        self,
        *,
        path: str | None = None,
        method: str | None = None,
        status: int | None = None,
        org_id: int | None = None,
        code: int | None = None,
        since: datetime | str | None = None,
        wait: float = 0,
    ) -> int:
        params = _journal_params(path, method, status, org_id, code, since, wait)
        return int(self._call("GET", "/_emulator/journal/count", params=params, wait=wait)["count"])

    def clear_journal(self) -> None:
        self._call("DELETE", "/_emulator/journal")

    def audit(self) -> Audit:
        """Ledger == balances == unspent lots for every owner; no negative balance."""
        body = self._call("GET", "/_emulator/audit")
        return Audit(ok=body["ok"], violations=body["violations"])

    def snapshot(self, org_id: int | None = None) -> dict[str, Any]:
        """The whole state (or one org's) as the versioned snapshot document
        (`GET /_emulator/snapshot`): JSON, to keep or to hand to `restore`."""
        document: dict[str, Any] = self._call(
            "GET", "/_emulator/snapshot", params=_params(orgId=org_id)
        )
        return document

    def restore(self, document: dict[str, Any]) -> None:
        """Put back exactly the state of a `snapshot` document (`POST /_emulator/snapshot`):
        a whole-state one replaces everything, an org's only that org."""
        self._call("POST", "/_emulator/snapshot", json=document)

    # -- plumbing --------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, wait: float = 0, **kwargs: Any) -> Any:
        timeout = self._http.timeout.read
        if wait and timeout is not None:
            kwargs["timeout"] = wait + timeout  # a long-poll holds the answer back
        answer = self._http.request(method, path, **kwargs)
        if answer.is_error:
            _raise_for(answer)
        return answer.json() if answer.content else None


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _journal_params(
    path: str | None,
    method: str | None,
    status: int | None,
    org_id: int | None,
    code: int | None,
    since: datetime | str | None,
    wait: float,
) -> dict[str, Any]:
    return _params(
        path=path,
        method=method,
        status=status,
        orgId=org_id,
        code=code,
        since=since.isoformat() if isinstance(since, datetime) else since,
        wait=wait or None,
    )


def _duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    return f"{'-' if seconds < 0 else ''}PT{abs(seconds)}S"


def _raise_for(answer: httpx.Response) -> None:
    code, message = None, answer.text
    try:
        errors = answer.json().get("errors") or []
        if errors:
            code, message = errors[0].get("code"), errors[0].get("message", message)
    except (ValueError, AttributeError):
        pass
    raise EmulatorError(answer.status_code, code, message)


def _org(emulator: Emulator, body: dict[str, Any]) -> Org:
    return Org(
        emulator=emulator,
        org_id=body["orgId"],
        program_id=body["programId"],
        till_code=body["tillCode"],
        password=body["password"],
        authorization=body["authorization"],
        oauth=OAuthClient(**body["oauth"]),
        programs=[Program(p["programId"], p["name"], p["default"]) for p in body["programs"]],
        customers=[Customer(c["userId"], c["identifiers"]) for c in body["customers"]],
        user_groups=[
            UserGroup(g["groupId"], g.get("externalId"), g.get("name")) for g in body["userGroups"]
        ],
        redemptions=list(body["redemptions"]),
    )


def _otp(body: dict[str, Any]) -> Otp:
    return Otp(
        id=body["id"],
        org_id=body["orgId"],
        code=body["code"],
        action=body["action"],
        user_id=body["userId"],
        entity_type=body["entityType"],
        entity_value=body["entityValue"],
        issued_at=datetime.fromisoformat(body["issuedAt"]),
        expires_at=datetime.fromisoformat(body["expiresAt"]),
        used=body["used"],
        expired=body["expired"],
        failed_attempts=body["failedAttempts"],
    )


def _fault(body: dict[str, Any]) -> Fault:
    return Fault(
        id=body["id"],
        method=body["method"],
        path=body["path"],
        status=body["status"],
        code=body["code"],
        message=body["message"],
        remaining=body["remaining"],
        delay_ms=body["delayMs"],
        org_id=body["orgId"],
    )


def _journal_entry(body: dict[str, Any]) -> JournalEntry:
    return JournalEntry(
        seq=body["seq"],
        at=datetime.fromisoformat(body["at"]),
        worker=body["worker"],
        method=body["method"],
        path=body["path"],
        query=body["query"],
        body=body["body"],
        body_bytes=body["bodyBytes"],
        body_truncated=body["bodyTruncated"],
        status=body["status"],
        org_id=body["orgId"],
        codes=list(body["codes"]),
        duration_ms=body["durationMs"],
    )
