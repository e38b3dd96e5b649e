"""One class per Capillary code: the code, its message template and, where fixed, the HTTP status.

`http_status = None` marks a business or lookup failure: Capillary answers those with HTTP 200
and `errors[]` (the `CAPEMU_BUSINESS_ERROR_STATUS` setting switches them to 400). Messages are
Capillary's own wording; `{placeholders}` are filled from keyword arguments."""

from typing import Any, ClassVar


class CapillaryError(Exception):
    code: ClassVar[int]
    message: ClassVar[str]
    http_status: ClassVar[int | None] = None

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.text = message if message is not None else self.message.format(**params)
        self.params = params
        self.keep_changes = False
        """Set when the failure itself must be remembered (a wrong OTP counts as an attempt)."""
        super().__init__(f"{self.code}: {self.text}")

    def item(self) -> dict[str, Any]:
        return {"status": False, "code": self.code, "message": self.text}


class CapillaryWarning(CapillaryError):
    """Reported in `warnings[]`; the request itself is answered normally."""


class HttpError(CapillaryError):
    """A request-level failure (auth, routing, input): answered with the HTTP status = its code."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "http_status" not in cls.__dict__:
            cls.http_status = cls.code


class InvalidInputError(HttpError):
    code = 400
    message = "Invalid input: {detail}"


class MalformedJsonError(HttpError):
    code = 400
    message = "Malformed JSON in request body: {detail}"


class AuthenticationFailedError(HttpError):
    code = 401
    message = "Authentication failed. Please check username and password."


class OAuthTokenFailedError(HttpError):
    code = 401
    message = "Failed to generate OAuth token"


class AccessDeniedError(HttpError):
    code = 403
    message = "Access denied: {detail}"


class ResourceNotFoundError(HttpError):
    code = 404
    message = "Incorrect resource: {path} does not exist"


class OrgNotFoundError(HttpError):
    code = 404
    message = "No org {org_id} in the emulator"


class MethodNotAllowedError(HttpError):
    code = 405
    message = "Operation not supported: {method} {path}"


class UnsupportedMediaTypeError(HttpError):
    code = 415
    message = "Unsupported media type: the request body must be application/json"


class RequestTimeoutError(HttpError):
    code = 408
    message = "Request timeout: the body did not arrive within {seconds} seconds"


class PayloadTooLargeError(HttpError):
    code = 413
    message = "Request entity too large: the body may have at most {limit} bytes"


class InternalError(HttpError):
    code = 500
    message = "Requests failed: unexpected emulator error (see the server log)"


class InjectedFaultError(HttpError):
    code = 503
    message = "Service unavailable (fault injected by the emulator)"


# --- points transfer (seed table 412-419) -----------------------------------------------------


class FraudCheckConfigInvalidError(CapillaryError):
    code = 412
    message = (
        "Configuration key CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER in the config_keys table "
        "is not set properly."
    )


class FraudCheckConfigUnreadableError(CapillaryError):
    code = 413
    message = "Problem fetching the configuration key CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER"


class RecipientIsFraudError(CapillaryError):
    code = 414
    message = (
        "Destination customer status is fraud. Points cannot be transferred to customers "
        "with fraud status."
    )


class SenderIsFraudError(CapillaryError):
    code = 415
    message = (
        "Source customer status is fraud. Points cannot be transferred by customers "
        "with fraud status."
    )


class SameCustomerTransferError(CapillaryError):
    code = 418
    message = "From and To customers are same."


class MergedCustomerError(CapillaryError):
    code = 419
    message = "Merged customer found with id: {customer_id}"


class PointsToBeTransferredInvalidError(CapillaryError):
    code = 422
    message = "pointsToBeTransferred value is invalid"


class InvalidPayloadFieldError(CapillaryError):
    code = 434
    message = "Invalid {field} set in the request payload"


class GroupActionForNonGroupError(CapillaryError):
    code = 3316
    message = "Group redemption action executed for non-group redemption payload."


# --- points (seed table 801-905) --------------------------------------------------------------


class InvalidRedeemPointsError(CapillaryError):
    code = 801
    message = "Points you are trying to redeem are invalid"


class InsufficientCurrentPointsError(CapillaryError):
    code = 804
    message = "Insufficient current points."


class InsufficientLifetimePointsError(CapillaryError):
    code = 805
    message = "Insufficient lifetime points."


class InsufficientLifetimePurchasesError(CapillaryError):
    code = 806
    message = "Insufficient lifetime purchases amount."


class PointsNotMultipleError(CapillaryError):
    code = 807
    message = (
        "Unable to redeem. Make sure that the points you are trying to redeem is a multiple "
        "of {multiple}. Check the points redemption configuration of your organization."
    )


class PointsNotWholeError(PointsNotMultipleError):
    """807 of the transfer endpoints: the amount must be a whole number of points (the seed's
    text with <X> = 1; the newer docs' "Redemption points not divisible" is not used)."""

    def __init__(self) -> None:
        super().__init__(multiple=1)


class InvalidValidationCodeError(CapillaryError):
    code = 808
    message = "Unable to redeem. Validation code is invalid."


class RedeemCustomerFraudError(CapillaryError):
    code = 809
    message = "Unable to process. Customer is marked as fraud."


class ReversalPointsMismatchError(CapillaryError):
    code = 810
    message = "Mismatch in points for revert API call"


class TransactionNumberInvalidError(CapillaryError):
    code = 811
    message = "The transaction number entered to redeem/revert points is invalid"


class RedeemCustomerNotFoundError(CapillaryError):
    code = 816
    message = "Unable to find customer in this organization"


class RedeemInsufficientPointsError(CapillaryError):
    code = 818
    message = "Current points are less than points requested for redemption."


class PointsTransferNotAllowedError(CapillaryError):
    """ALLOW_POINTS_TRANSFER off. The seed's table has no code for it (its 818 means "current
    points are less than requested"), so by default the seed's 888 for an org whose
    configuration does not allow the call; org key POINTS_TRANSFER_DISABLED_CODE: 818 gives
    the newer docs' 818 "transfer not allowed for program" instead."""

    code = 888
    message = "Configuration is invalid. Please report to Capillary Support"


class PointsTransferNotAllowed818Error(CapillaryError):
    code = 818
    message = "Points transfer is not allowed for the program."


class RedeemAboveMaximumError(CapillaryError):
    code = 819
    message = "Points you are trying to redeem are more than the maximum allowed redemption limit."


class RedeemBelowMinimumError(CapillaryError):
    code = 821
    message = "Points you are trying to redeem are less than the minimum redemption limit"


class RedemptionTimeInvalidError(CapillaryError):
    code = 859
    message = "The redemption time you have passed is invalid"


class NotEnrolledInLoyaltyError(CapillaryError):
    code = 881
    message = "Customer is not registered into the loyalty program."


class InvalidProgramError(CapillaryError):
    code = 885
    message = "Invalid program id passed"


class InvalidConfigurationError(CapillaryError):
    code = 888
    message = "Configuration is invalid. Please report to Capillary Support"


class PointsProcessingFailedError(CapillaryError):
    code = 889
    message = "Points processing failed. Please try again later."


class InvalidReversalPointsError(CapillaryError):
    code = 901
    message = "Invalid points or points redemption Id passed."


class RedemptionNotFoundError(CapillaryError):
    code = 902
    message = "Redemption ID does not exist."


class InvalidCustomerDetailsError(CapillaryError):
    code = 904
    message = "Invalid customer details passed."


class OtpNotGeneratedWarning(CapillaryWarning):
    code = 876
    message = "Points are redeemable but unable to generate OTP."


class ReversalDisabledWarning(CapillaryWarning):
    code = 905
    message = "points redemption reversal is disabled for the org."


class RedeemFraudStatusError(CapillaryError):
    code = 3045
    message = (
        "Points Redemption is not allowed for the customer with id {customer_id} as the "
        "status is fraud."
    )


class AlreadyReversedError(CapillaryError):
    code = 3802
    message = "Points reversal redeemed points already reversed."


class RedeemProgramInvalidError(CapillaryError):
    code = 1101
    message = "invalid programId passed"


class V11FormatNotEmulatedError(HttpError):
    code = 400
    message = (
        "format={format} is not emulated: the emulator answers v1.1 in JSON only "
        "(omit format or send format=json)"
    )


# --- OTP (600-606) ----------------------------------------------------------------------------


class OtpInvalidActionError(CapillaryError):
    code = 600
    message = '"Invalid or Null action passed"'


class OtpInvalidEntityTypeError(CapillaryError):
    code = 601
    message = '"Invalid or Null entity type passed"'


class OtpInvalidEntityValueError(CapillaryError):
    code = 602
    message = '"Invalid or Null entity value passed"'


class OtpInvalidChannelError(CapillaryError):
    code = 603
    message = '"Invalid or Null channel passed"'


class OtpMissingError(CapillaryError):
    code = 604
    message = '"No OTP passed"'


class OtpInvalidOrExpiredError(CapillaryError):
    code = 605
    message = '"OTP is either invalid, expired, or null"'


class OtpRateLimitError(HttpError):
    code = 429
    message = "OTP generation limit exceeded: at most {count} codes in {minutes} minutes"


# --- user groups ------------------------------------------------------------------------------


class TransferNotPermittedError(CapillaryError):
    code = 830
    message = "User does not have permissions to transfer points from this entity"


class FromEntityMissingError(CapillaryError):
    code = 1206
    message = "fromEntity is missing in the request payload"


class ToEntityMissingError(CapillaryError):
    code = 1207
    message = "toEntity is missing in the request payload"


class EntityTypeInvalidError(CapillaryError):
    code = 1208
    message = "Entity type is missing or invalid in the request payload"


class GroupNotValidError(CapillaryError):
    code = 1645
    message = "group details passed are not valid"


class NotGroupMemberError(CapillaryError):
    code = 1651
    message = "Points transfer from a group can not be done by a user who is not part of the group."


class GroupLoyaltyDisabledError(CapillaryError):
    code = 1646
    message = "User group loyalty is not enabled for the org (ENABLE_USER_GROUP_LOYALTY is off)."


class GroupTransferEntityTypeError(CapillaryError):
    code = 1646
    message = "Fleet group transfer entity type invalid."


# --- customers and lookups --------------------------------------------------------------------


class InvalidSourceError(CapillaryError):
    code = 8012
    message = "Invalid source passed."


class InvalidIdentifierError(CapillaryError):
    code = 8013
    message = "Invalid identifier passed"


class CustomerNotFoundError(CapillaryError):
    code = 8015
    message = "Customer not found for the given identifiers"


class MergedCustomerWarning(CapillaryWarning):
    code = 8069
    message = "Merged customer found"


class AccountIdMissingError(CapillaryError):
    code = 8045
    message = "Account id is not passed."


# --- points ledger (11xxx) --------------------------------------------------------------------


class LedgerNoEntriesError(CapillaryError):
    code = 11003
    message = (
        "There are no ledger entries present for the given parameters. "
        "Try removing parameters to widen the search"
    )


class LedgerUserIdInvalidError(CapillaryError):
    code = 11012
    message = "Invalid userId passed in request"


class LedgerEntryTypeInvalidError(CapillaryError):
    code = 11007
    message = "Invalid ledgerEntryType passed in request"


class PointCategoryTypeInvalidError(CapillaryError):
    code = 11008
    message = "Invalid pointCategoryType passed in request"


class TillIdFormatError(CapillaryError):
    code = 11025
    message = 'Till id format exception:For input string: "{value}"'


class StoreTillsNotFoundError(CapillaryError):
    code = 11026
    message = "No tills found for store with {detail}"


class TillIdsInvalidError(CapillaryError):
    code = 11027
    message = "Invalid tillIds: {value}"


class TillFilterConflictError(CapillaryError):
    code = 11028
    message = (
        "Multiple input parameters set. Please provide only one of the following: "
        "tillId, tillIds, storeCode or storeId"
    )


class LedgerLimitTooLargeError(CapillaryError):
    code = 11029
    message = "Limit cannot be greater than {limit}"


class LedgerInvalidInputError(CapillaryError):
    code = 11030
    message = "Invalid input: {detail}"


# --- emulator control plane -------------------------------------------------------------------


class SeedDocumentError(HttpError):
    code = 400
    message = "Invalid seed document at {path}: {problem}"


class SeedFileError(HttpError):
    code = 400
    message = "CAPEMU_SEED_FILE={file}{line}: {problem}"


class ControlRequestError(HttpError):
    code = 400
    message = "Invalid control request: {detail}"


class SnapshotDocumentError(HttpError):
    code = 400
    message = "Invalid snapshot document at {path}: {problem}"


class CustomerMergedWarning(CapillaryWarning):
    code = 8069
    message = "Merged customer found"


class DuplicateIdentifierError(CapillaryError):
    # Capillary's docs name no code for this in the references gathered; 8003 is its generic
    # "customer could not be added" (see docs/emulation-coverage.md, v2 customers).
    code = 8003
    message = "Customer already exists with identifier {kind}: {value}"


class InvalidCustomerProfileError(CapillaryError):
    code = 8004
    message = "Invalid customer profile: a profile with at least one identifier is required"


class InvalidBillError(CapillaryError):
    code = 8201
    message = (
        "Invalid transaction: billNumber, a non-negative billAmount and type REGULAR or RETURN"
        " are required"
    )


class DuplicateBillError(CapillaryError):
    code = 8210
    message = "Duplicate bill number {bill_number} for the customer"


class BillNotFoundError(CapillaryError):
    code = 8211
    message = "No bill {bill_number} of the customer to return"


class EarningNotFoundError(CapillaryError):
    code = 8212
    message = "No transaction with the given id"


# --- v1.1 customer API (item_status codes) -------------------------------------------------------


class V11InvalidMobileError(CapillaryError):
    code = 1001
    message = "Unable to register. Invalid mobile number"


class V11InvalidEmailError(CapillaryError):
    code = 1002
    message = "Unable to register. Invalid email id"


class V11InvalidExternalIdError(CapillaryError):
    code = 1003
    message = "Unable to register. Invalid external id"


class V11NoPrimaryIdentifierError(CapillaryError):
    code = 1007
    message = (
        "Unable to register customer. No valid primary identifier mobile number, email ID, or"
        " external ID passed."
    )


class V11CustomerNotFoundError(CapillaryError):
    code = 1012
    message = "Cannot find customer with the provided mobile number/external ID/e-mail ID."


class V11NoIdentifierError(CapillaryError):
    code = 1015
    message = "No identifier provided to get loyalty users"


class V11EmailTakenError(CapillaryError):
    code = 1016
    message = "Unable to register. Email provided already exists for some other user"


class V11LoyaltyRegistrationError(CapillaryError):
    code = 1023
    message = "Unable to register customer to loyalty program"


class V11MobileTakenError(CapillaryError):
    code = 1032
    message = "A customer already exists with the same mobile number"


class V11ExternalIdTakenError(CapillaryError):
    code = 1033
    message = "A customer already exists with the same external id"


class V11LoyaltyDowngradeError(CapillaryError):
    code = 1046
    message = "Conversion of loyalty customer to non-loyalty is not allowed"


class V11IdentifierUpdateNotAllowedWarning(CapillaryWarning):
    code = 91006
    message = "{kind} update is not allowed."


class V11IdentifierOccupiedWarning(CapillaryWarning):
    code = 91007
    message = "{kind} is already occupied by some other user, ignoring it."


# --- POST /v2/points/unlockPromisedPoints ------------------------------------------------------


class UnlockEventLogNotFoundError(CapillaryError):
    code = 3918
    message = "Error unlocking points: no eventLog found for given eventLogId"


class UnlockBillNumberMissingError(CapillaryError):
    code = 82323271
    message = "Bill number missing"


class UnlockEventNameNotFoundError(CapillaryError):
    code = 82323272
    message = "Event name not found"


class UnlockEntityTypeInvalidError(CapillaryError):
    code = 82323276
    message = "Entity type invalid"


class UnlockBillNotFoundError(CapillaryError):
    code = 82323277
    message = "No bill found for given bill number"


class NoPromisedPointsError(CapillaryError):
    code = 82323282
    message = "No promise points found to unlock"


class UnlockIdentifierMissingError(CapillaryError):
    code = 82323284
    message = "identifierName, identifierValue, or source cannot be empty"
