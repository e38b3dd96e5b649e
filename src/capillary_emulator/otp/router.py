"""Capillary's v2 OTP endpoints: issue a code, validate a code."""

from fastapi import APIRouter

from capillary_emulator.context import ContextDep
from capillary_emulator.otp import service
from capillary_emulator.otp.schemas import (
    GenerateOtpBody,
    OtpCreated,
    OtpValidated,
    ValidateOtpBody,
)

router = APIRouter(tags=["otp"])


@router.post("/v2/otp/generate")
async def generate_otp(body: GenerateOtpBody, ctx: ContextDep) -> OtpCreated:
    with ctx.transaction():
        return service.generate_otp(ctx.session, org=ctx.caller.org, body=body, now=ctx.now)


@router.post("/v2/otp/validate")
async def validate_otp(body: ValidateOtpBody, ctx: ContextDep) -> OtpValidated:
    # A wrong code is remembered as an attempt: validate_otp answers false, and that commits.
    with ctx.transaction():
        return service.validate_otp(ctx.session, org=ctx.caller.org, body=body, now=ctx.now)
