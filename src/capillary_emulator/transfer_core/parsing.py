"""Reading the inputs both transfer families take: the amount and the program."""

from decimal import ROUND_DOWN, Decimal

from capillary_emulator.errors import (
    InvalidProgramError,
    PointsNotWholeError,
    PointsToBeTransferredInvalidError,
)
from capillary_emulator.inputs import numeric_id
from capillary_emulator.points import MILLI, parse_points, to_milli
from capillary_emulator.tenancy import Caller, ProgramInfo

MAX_TRANSFER_POINTS = Decimal(9_000_000_000_000_000) / MILLI
"""Above this, the thousandths no longer fit the 64-bit columns: no one can hold that many."""


def transfer_amount_milli(raw: object, *, reject_fractional: bool) -> int:
    """Whole points to move, in thousandths.

    Missing or not a number: 422. Zero or negative: 807. A fraction is cut off (EMULATION.md 4,
    as the seed's group samples do) unless the org rejects it with 807.
    """
    amount = parse_points(raw)
    if amount is None or amount > MAX_TRANSFER_POINTS:
        raise PointsToBeTransferredInvalidError()
    if amount <= 0:
        raise PointsNotWholeError()
    whole = amount.to_integral_value(rounding=ROUND_DOWN)
    if whole == 0 or (whole != amount and reject_fractional):
        raise PointsNotWholeError()
    return to_milli(whole)


def program_for(caller: Caller, raw: object) -> ProgramInfo:
    """The org's program `raw` names (885 if none), or its default program when absent."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        program = caller.default_program
    else:
        program_id = numeric_id(raw)
        if program_id is None:
            raise InvalidProgramError()
        program = caller.programs.get(program_id)
    if program is None:
        raise InvalidProgramError()
    return program
