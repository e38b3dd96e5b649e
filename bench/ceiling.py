"""The ceiling: a bare FastAPI app doing the least a JSON API can do, served like the emulator.

POST parses a ~300-byte transfer body into a pydantic model and answers a ~1 KB
`response_model`; GET answers a similar body from its query string. No database, no auth, no
middleware: the emulator's throughput is read as a fraction of this app's, measured in the same
run under the same load, so machine drift cancels out.

    python -m bench.ceiling --port 8123 [--workers N]
"""

import argparse
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel


class Identifier(BaseModel):
    type: str
    value: str


class TransferRequest(BaseModel):
    pointsTobeTransferred: float
    groupProgramTransfer: str = "false"
    programId: int
    notes: str = ""
    fromCustomerIdentifier: Identifier
    toCustomerIdentifier: Identifier


class Party(BaseModel):
    userId: int
    firstName: str
    lastName: str


class Breakup(BaseModel):
    programId: int
    deductedPoints: float
    programCurrentPoints: int


class TransferRecord(BaseModel):
    toEntityId: int
    toEntityType: str
    fromEntityId: int
    fromEntityType: str
    pointsTransferDate: str
    pointsTransferDateISO: str
    pointsTransferred: float
    transferId: int
    transferType: str
    transferredFrom: Party
    transferredTo: Party
    notes: str
    programName: str
    pointsTransferBreakupByEarningPrograms: list[Breakup]


class Envelope(BaseModel):
    data: list[TransferRecord]
    warnings: list[dict[str, Any]]
    errors: list[dict[str, Any]]


def _record(source: str, target: str, points: float, notes: str) -> TransferRecord:
    from_id = int(source) if source.isdigit() else 990000001
    to_id = int(target) if target.isdigit() else 990000002
    return TransferRecord(
        toEntityId=to_id,
        toEntityType="CUSTOMER",
        fromEntityId=from_id,
        fromEntityType="CUSTOMER",
        pointsTransferDate="2021-07-16 15:53:42",
        pointsTransferDateISO="2021-07-16T15:53:42+05:30",
        pointsTransferred=points,
        transferId=123456,
        transferType="DEDUCTION",
        transferredFrom=Party(userId=from_id, firstName="Bench1", lastName="Customer"),
        transferredTo=Party(userId=to_id, firstName="Bench2", lastName="Customer"),
        notes=notes,
        programName="BenchProgram",
        pointsTransferBreakupByEarningPrograms=[
            Breakup(programId=990001, deductedPoints=points, programCurrentPoints=999999)
        ],
    )


def create_app() -> FastAPI:
    app = FastAPI(title="bench ceiling")

    @app.get("/health")
    async def health() -> dict[str, str]:
        """What the cold start waits for, like the emulator's /_emulator/health."""
        return {"status": "ok"}

    @app.post("/ceiling/transfer", response_model=Envelope)
    async def transfer(body: TransferRequest) -> Any:
        record = _record(
            body.fromCustomerIdentifier.value,
            body.toCustomerIdentifier.value,
            body.pointsTobeTransferred,
            body.notes,
        )
        return Envelope(data=[record, record], warnings=[], errors=[])

    @app.get("/ceiling/ledger", response_model=Envelope)
    async def ledger(identifierName: str, identifierValue: str, source: str = "INSTORE") -> Any:
        record = _record(identifierValue, identifierValue, 1.0, f"{identifierName} {source}")
        return Envelope(data=[record, record], warnings=[], errors=[])

    return app


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    # The same uvicorn call as `capillary-emulator serve` (capillary_emulator/cli.py).
    uvicorn.run(
        "bench.ceiling:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
