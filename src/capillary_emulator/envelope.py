"""The response envelopes: the status items of `errors[]`/`warnings[]`, the transfer family's
`data` envelope and the error bodies (v2 and v1.1). Plain shapes, no HTTP."""

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from capillary_emulator.errors import CapillaryError

T = TypeVar("T")


class StatusItem(BaseModel):
    """One item of `errors[]` or `warnings[]`: `{"status": false, "code": N, "message": ...}`."""

    status: bool = False
    code: int
    message: str


class DataEnvelope(BaseModel, Generic[T]):
    """The transfer family's body: `{"data": [...], "warnings": [], "errors": []}`."""

    data: list[T]
    warnings: list[StatusItem] = Field(default_factory=list)
    errors: list[StatusItem] = Field(default_factory=list)


def status_items(warnings: Sequence[CapillaryError]) -> list[StatusItem]:
    return [StatusItem(status=False, code=w.code, message=w.text) for w in warnings]


def error_body(request_path: str, error: CapillaryError) -> dict[str, Any]:
    if request_path.startswith("/v1.1/"):
        return {
            "response": {"status": {"success": "false", "code": error.code, "message": error.text}}
        }
    return {"warnings": [], "errors": [error.item()]}
