"""The checks on the customers of a transfer that customer and group transfers share: fraud
status (412/413, 415 sender, 414 recipient) and loyalty enrolment (881)."""

from capillary_emulator.errors import (
    FraudCheckConfigInvalidError,
    FraudCheckConfigUnreadableError,
    NotEnrolledInLoyaltyError,
    RecipientIsFraudError,
    SenderIsFraudError,
)
from capillary_emulator.orgs import ConfigValueError, OrgConfig
from capillary_emulator.store.customers import CustomerRecord

FRAUD = "FRAUD"
"""The customer status that blocks transfers while CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER is on."""
LOYALTY = "loyalty"
FRAUD_CHECK_KEY = "CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER"


def fraud_check_enabled(config: OrgConfig) -> bool:
    # A key present without a value cannot be fetched (413); one with a value that is not a
    # boolean is "not set properly" (412).
    if config.is_set(FRAUD_CHECK_KEY) and config.raw[FRAUD_CHECK_KEY] is None:
        raise FraudCheckConfigUnreadableError()
    try:
        return config.flag(FRAUD_CHECK_KEY)
    except ConfigValueError:
        raise FraudCheckConfigInvalidError() from None


def check_customer_parties(
    config: OrgConfig, *, sender: CustomerRecord | None, recipient: CustomerRecord | None
) -> None:
    """Fraud (when the org checks it), then enrolment, for the customer sides (None: a group)."""
    if fraud_check_enabled(config):
        if sender is not None and sender.status == FRAUD:
            raise SenderIsFraudError()
        if recipient is not None and recipient.status == FRAUD:
            raise RecipientIsFraudError()
    for customer in (sender, recipient):
        if customer is not None and customer.loyalty_type != LOYALTY:
            raise NotEnrolledInLoyaltyError()
