"""Wire shapes of the v1.1 points API: the request body and the v1.1 status envelope.

v1.1 writes its flags as strings ("true"/"false") and its codes as numbers, as the redeem
sample does.
"""

from typing import Any

from pydantic import BaseModel

SOME_FAILED = "Some requests have failed due to errors"
ALL_FAILED = "All requests have failed due to errors"


class RedeemRequest(BaseModel):
    """`{"root": {"redeem": [{...}]}}`; `redeem` may also be a single object."""

    root: Any = None


def item_status(code: int, message: str) -> dict[str, Any]:
    return {"success": "true" if code == 800 else "false", "code": code, "message": message}


def batch_status(succeeded: int, failed: int) -> dict[str, Any]:
    """The request-level `response.status` of v1.1: 200 all, 201 some, 500 none succeeded."""
    if not failed:
        return {"success": "true", "code": 200, "message": "Success"}
    if succeeded:
        return {
            "success": "true",
            "code": 201,
            "message": "Some requests have failed due to errors",
        }
    return {"success": "false", "code": 500, "message": "All requests have failed due to errors"}
