"""Capillary's v2 OTP endpoints: issue a code, validate a code."""

from typing import Any

from fastapi import APIRouter

from capillary_emulator.context import ContextDep
from capillary_emulator.otp import service
from capillary_emulator.otp.schemas import GenerateOtpBody, ValidateOtpBody

router = APIRouter(tags=["otp"])


@router.post("/v2/otp/generate")
async def generate_otp(body: GenerateOtpBody, ctx: ContextDep) -> dict[str, Any]:
    with ctx.transaction():
        otp = service.generate_otp(
            ctx.session,
            org=ctx.caller.org,
            entity_type=body.entityType,
            entity_value=body.entityValue,
            action=body.action,
            channels=body.channels,
            now=ctx.now,
        )
    return {"createdId": otp.id, "warnings": []}


@router.post("/v2/otp/validate")
async def validate_otp(body: ValidateOtpBody, ctx: ContextDep) -> dict[str, Any]:
    # A wrong code is remembered as an attempt: validate_otp answers false, and that commits.
    with ctx.transaction():
        valid = service.validate_otp(
            ctx.session,
            org=ctx.caller.org,
            entity_type=body.entityType,
            entity_value=body.entityValue,
            action=body.action,
            code=body.code,
            now=ctx.now,
        )
    return {"entity": valid, "warnings": []}
