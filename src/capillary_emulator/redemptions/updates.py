"""PUT /v2/points/updateRedemption: a redemption's bill number and purpose, after the fact.

It changes the redemption's own record only (what customer/redemptions and the answers show);
the ledger event the redemption wrote keeps the bill number it was written with, since ledger
rows are never updated. The redemption row is locked first, like a reversal's.
"""

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import find_customer_record, identifier_type
from capillary_emulator.errors import (
    CapillaryError,
    EntityTypeInvalidError,
    InvalidCustomerDetailsError,
    InvalidInputError,
    InvalidReversalPointsError,
    RedemptionNotFoundError,
)
from capillary_emulator.inputs import storable
from capillary_emulator.points import as_float
from capillary_emulator.redemptions.parsing import reference
from capillary_emulator.redemptions.schemas import (
    RedemptionEntity,
    RedemptionUpdated,
    UpdateRedemptionBody,
)
from capillary_emulator.store import redemptions as store
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller

PURPOSE_MAX_LENGTH = 255
BILL_ID_MAX_DIGITS = 19


def _customer_id(session: Session, caller: Caller, entity: RedemptionEntity | None) -> int | None:
    """The customer the entity names (None without an entity); 904 for nobody."""
    if entity is None:
        return None
    kind = entity.type.strip().upper() if isinstance(entity.type, str) else entity.type
    if kind not in (None, "", "CUSTOMER"):
        raise EntityTypeInvalidError()
    try:
        found = find_customer_record(
            session, caller.org, identifier_type(entity.identifierType), entity.identifierValue
        )
    except CapillaryError as e:
        raise InvalidCustomerDetailsError() from e
    return found.id


def _bill_id(raw: object) -> int:
    if raw is None or raw == "":
        return -1
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not text.isdigit() or int(text) <= 0 or len(text) > BILL_ID_MAX_DIGITS:
        raise InvalidInputError(detail="billId must be a positive number of at most 19 digits")
    return int(text)


def _purpose(raw: object, current: str) -> str:
    if raw is None:
        return current
    if not isinstance(raw, str) or len(raw) > PURPOSE_MAX_LENGTH or not storable(raw):
        raise InvalidInputError(detail="purpose must be a text of at most 255 characters")
    return raw


def update_redemption(
    session: Session, *, caller: Caller, body: UpdateRedemptionBody
) -> RedemptionUpdated:
    """901 without either id; 902 when it names no redemption of the org (or of the entity's
    customer); 904 when the entity names nobody or someone else."""
    code = reference(body.redemptionId)
    external = reference(body.externalReferenceNumber)
    if code is None and external is None:
        raise InvalidReversalPointsError()
    bill_id = _bill_id(body.billId)
    bill_number = reference(body.billNumber)
    customer_id = _customer_id(session, caller, body.entity)
    db = Db(session)
    if code is not None:
        found = store.editable_redemption(db, org_id=caller.org_id, code=code)
    elif customer_id is None:
        # External references are unique per customer: without one there is nothing to find.
        raise InvalidCustomerDetailsError()
    else:
        found = store.editable_redemption(
            db, org_id=caller.org_id, customer_id=customer_id, reference=external
        )
    if found is None:
        raise RedemptionNotFoundError()
    if customer_id is not None and found.customer_id != customer_id:
        raise InvalidCustomerDetailsError()
    purpose = _purpose(body.purpose, found.purpose)
    number = found.transaction_number if bill_number is None else bill_number
    store.update_redemption(db, found.id, transaction_number=number, purpose=purpose)
    return RedemptionUpdated(
        id=found.id,
        redemptionId=found.code,
        programId=found.program_id,
        pointsRedeemed=as_float(found.points_milli),
        billId=bill_id,
        billNumber=number or "",
        validationCode=found.validation_code or "",
        purpose=purpose,
        customerId=found.customer_id,
        externalReferenceNumber=found.external_reference_number,
    )
