"""Every refusal of the group transfer endpoints: status, code, message, and nothing changed.

Both endpoints run the same checks, so every scenario runs against both."""

from typing import Any

import pytest
from group_builders import (
    BLOCKED,
    BOTH_ENDPOINTS,
    DELETED_GROUP,
    FORMER,
    GROUP,
    GROUP_STATE,
    INACTIVE_GROUP,
    MEMBER,
    MERGED,
    OTHER_GROUP,
    OTHER_PRIMARY,
    OTHER_PROGRAM,
    OUTSIDER,
    PRIMARY,
    SLEEPER,
    acting,
    body,
    customer,
    group,
    mobile_of,
    org_seed,
)

from tests.support import assert_error, load_org, snapshot

NOT_WHOLE = (
    "Unable to redeem. Make sure that the points you are trying to redeem is a multiple of 1. "
    "Check the points redemption configuration of your organization."
)
POINTS_INVALID = "pointsToBeTransferred value is invalid"
NO_CUSTOMER = "Customer not found for the given identifiers"
GROUP_NOT_VALID = "group details passed are not valid"
PROCESSING_FAILED = "Points processing failed. Please try again later."
NOT_PERMITTED = "User does not have permissions to transfer points from this entity"
NOT_MEMBER = "Points transfer from a group can not be done by a user who is not part of the group."
INSUFFICIENT = "Insufficient current points."
LOYALTY_OFF = "User group loyalty is not enabled for the org (ENABLE_USER_GROUP_LOYALTY is off)."
ENTITY_TYPE = "Entity type is missing or invalid in the request payload"


@pytest.fixture(params=BOTH_ENDPOINTS, ids=["isTransferrable", "transfer"])
def endpoint(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def assert_refused(
    client: Any,
    endpoint: str,
    payload: Any,
    code: int,
    message: str,
    auth: dict[str, str] | None = None,
) -> None:
    auth = auth or load_org(client, org_seed())
    before = snapshot(client, GROUP_STATE)
    response = client.post(endpoint, json=payload, headers=auth)
    assert_error(response, code, message)
    assert snapshot(client, GROUP_STATE) == before


def without(payload: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != key}


class TestOrgSwitches:
    def test_refuses_while_group_loyalty_is_off(self, client, endpoint):
        auth = load_org(client, org_seed(ENABLE_USER_GROUP_LOYALTY=False))
        assert_refused(client, endpoint, body(), 1646, LOYALTY_OFF, auth)

    def test_group_loyalty_is_off_unless_configured(self, client, endpoint):
        seed = org_seed()
        del seed["orgs"][0]["config"]["ENABLE_USER_GROUP_LOYALTY"]
        auth = load_org(client, seed)
        assert_refused(client, endpoint, body(), 1646, LOYALTY_OFF, auth)

    @pytest.mark.parametrize(
        "key", ["ENABLE_USER_GROUP_LOYALTY", "POINTS_TRANSFER_REJECT_FRACTIONAL"]
    )
    def test_refuses_a_config_value_that_is_not_a_boolean(self, client, endpoint, key):
        auth = load_org(client, org_seed(**{key: "sometimes"}))
        message = "Configuration is invalid. Please report to Capillary Support"
        assert_refused(client, endpoint, body(), 888, message, auth)

    def test_refuses_without_credentials(self, client, endpoint):
        load_org(client, org_seed())
        before = snapshot(client, GROUP_STATE)
        response = client.post(endpoint, json=body())
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == 401
        assert snapshot(client, GROUP_STATE) == before


class TestEntityErrors:
    def test_rejects_a_missing_from_entity(self, client, endpoint):
        message = "fromEntity is missing in the request payload"
        assert_refused(client, endpoint, without(body(), "fromEntity"), 1206, message)

    def test_rejects_a_from_entity_that_is_not_an_object(self, client, endpoint):
        message = "fromEntity is missing in the request payload"
        assert_refused(client, endpoint, body(fromEntity=str(GROUP)), 1206, message)

    def test_rejects_a_missing_to_entity(self, client, endpoint):
        message = "toEntity is missing in the request payload"
        assert_refused(client, endpoint, without(body(), "toEntity"), 1207, message)

    def test_rejects_a_missing_entity_type(self, client, endpoint):
        source = without(group(), "type")
        assert_refused(client, endpoint, body(source=source), 1208, ENTITY_TYPE)

    @pytest.mark.parametrize("entity_type", ["STORE", "customer", None])
    def test_rejects_an_unknown_entity_type(self, client, endpoint, entity_type):
        target = {**customer(OUTSIDER), "type": entity_type}
        assert_refused(client, endpoint, body(target=target), 1208, ENTITY_TYPE)

    def test_rejects_customer_to_customer(self, client, endpoint):
        payload = body(source=customer(OUTSIDER), target=customer(PRIMARY), by=OUTSIDER)
        message = "Fleet group transfer entity type invalid."
        assert_refused(client, endpoint, payload, 1646, message)

    @pytest.mark.parametrize("kind", ["mobile", None])
    def test_rejects_an_unknown_group_identifier_type(self, client, endpoint, kind):
        source = {**group(), "identifierType": kind}
        message = "Invalid fromEntity.identifierType set in the request payload"
        assert_refused(client, endpoint, body(source=source), 434, message)

    @pytest.mark.parametrize("kind", ["primaryUserId", "cardExternalId"])
    def test_rejects_an_unknown_customer_identifier_type(self, client, endpoint, kind):
        target = customer(OUTSIDER, kind)
        message = "Invalid toEntity.identifierType set in the request payload"
        assert_refused(client, endpoint, body(target=target), 434, message)

    @pytest.mark.parametrize("value", [None, "  ", True, {"id": 1}])
    def test_rejects_a_missing_identifier_value(self, client, endpoint, value):
        target = {**customer(OUTSIDER), "identifierValue": value}
        message = "Invalid toEntity.identifierValue set in the request payload"
        assert_refused(client, endpoint, body(target=target), 434, message)


class TestTransferredByErrors:
    def test_rejects_a_group_transfer_nobody_acts_for(self, client, endpoint):
        assert_refused(client, endpoint, body(by=None), 830, NOT_PERMITTED)

    def test_rejects_transferred_by_that_is_not_an_object(self, client, endpoint):
        message = "Invalid transferredBy set in the request payload"
        assert_refused(client, endpoint, body(by=mobile_of(PRIMARY)), 434, message)

    def test_rejects_an_unknown_transferred_by_identifier_type(self, client, endpoint):
        by = {**acting(PRIMARY), "identifierType": "primaryUserMobile"}
        message = "Invalid transferredBy.identifierType set in the request payload"
        assert_refused(client, endpoint, body(by=by), 434, message)

    def test_rejects_a_missing_transferred_by_identifier_value(self, client, endpoint):
        by = without(acting(PRIMARY), "identifierValue")
        message = "Invalid transferredBy.identifierValue set in the request payload"
        assert_refused(client, endpoint, body(by=by), 434, message)

    def test_rejects_an_unknown_acting_customer(self, client, endpoint):
        by = {**acting(PRIMARY), "identifierValue": "9111111111"}
        assert_refused(client, endpoint, body(by=by), 8015, NO_CUSTOMER)

    def test_rejects_a_member_not_allowed_to_transfer(self, client, endpoint):
        assert_refused(client, endpoint, body(by=BLOCKED), 830, NOT_PERMITTED)

    def test_rejects_someone_acting_for_another_customer(self, client, endpoint):
        payload = body(source=customer(OUTSIDER), target=group(), by=PRIMARY)
        assert_refused(client, endpoint, payload, 830, NOT_PERMITTED)

    @pytest.mark.parametrize(
        "by", [OUTSIDER, FORMER, OTHER_PRIMARY], ids=["outsider", "inactive", "other-group"]
    )
    def test_rejects_someone_not_in_the_group(self, client, endpoint, by):
        assert_refused(client, endpoint, body(by=by), 1651, NOT_MEMBER)

    def test_rejects_a_merged_acting_customer(self, client, endpoint):
        message = f"Merged customer found with id: {MERGED}"
        assert_refused(client, endpoint, body(by=MERGED), 419, message)


class TestAmountErrors:
    @pytest.mark.parametrize("points", [None, "ten", True, "1e400"])
    def test_rejects_points_that_are_not_a_number(self, client, endpoint, points):
        payload = body(points) if points is not None else without(body(), "pointsTobeTransferred")
        assert_refused(client, endpoint, payload, 422, POINTS_INVALID)

    @pytest.mark.parametrize("points", [0, -5, 0.5])
    def test_rejects_less_than_one_whole_point(self, client, endpoint, points):
        assert_refused(client, endpoint, body(points), 807, NOT_WHOLE)

    def test_rejects_a_fraction_when_the_org_says_so(self, client, endpoint):
        auth = load_org(client, org_seed(POINTS_TRANSFER_REJECT_FRACTIONAL=True))
        assert_refused(client, endpoint, body(10.5), 807, NOT_WHOLE, auth)

    @pytest.mark.parametrize("program", [999, "abc", 765, True])
    def test_rejects_a_program_the_org_does_not_have(self, client, endpoint, program):
        message = "Invalid program id passed"
        assert_refused(client, endpoint, body(programId=program), 885, message)

    @pytest.mark.parametrize("notes", [{"text": "x"}, True])
    def test_rejects_notes_that_are_not_text(self, client, endpoint, notes):
        message = "Invalid notes set in the request payload"
        assert_refused(client, endpoint, body(notes=notes), 434, message)


class TestPartyErrors:
    @pytest.mark.parametrize(
        "target",
        [
            customer(OUTSIDER, "mobile", "9111111111"),
            customer(OUTSIDER, "id", "not-a-number"),
            customer(OUTSIDER, "email", "nobody@example.com"),
            customer(OUTSIDER, "id", "418400980"),
        ],
        ids=["mobile", "bad-id", "email", "other-org"],
    )
    def test_rejects_an_unknown_customer(self, client, endpoint, target):
        assert_refused(client, endpoint, body(target=target), 8015, NO_CUSTOMER)

    def test_rejects_an_unknown_source_customer(self, client, endpoint):
        source = customer(OUTSIDER, "mobile", "9111111111")
        payload = body(source=source, target=group(), by=None)
        assert_refused(client, endpoint, payload, 8015, NO_CUSTOMER)

    @pytest.mark.parametrize(
        "source",
        [
            group(123456),
            group("grp-none", "externalId"),
            group("abc"),
            group(2626),
            group(mobile_of(MEMBER), "primaryUserMobile"),
        ],
        ids=["id", "externalId", "bad-id", "other-org", "not-primary"],
    )
    def test_rejects_an_unknown_group(self, client, endpoint, source):
        assert_refused(client, endpoint, body(source=source), 1645, GROUP_NOT_VALID)

    def test_rejects_a_deleted_source_group(self, client, endpoint):
        payload = body(source=group(DELETED_GROUP), by=SLEEPER)
        assert_refused(client, endpoint, payload, 1645, GROUP_NOT_VALID)

    def test_rejects_a_deleted_target_group(self, client, endpoint):
        assert_refused(client, endpoint, body(target=group(DELETED_GROUP)), 1645, GROUP_NOT_VALID)

    def test_rejects_an_inactive_source_group(self, client, endpoint):
        payload = body(source=group(INACTIVE_GROUP), by=SLEEPER)
        assert_refused(client, endpoint, payload, 889, PROCESSING_FAILED)

    def test_rejects_an_inactive_target_group(self, client, endpoint):
        payload = body(target=group(INACTIVE_GROUP))
        assert_refused(client, endpoint, payload, 889, PROCESSING_FAILED)

    def test_rejects_a_group_paying_itself(self, client, endpoint):
        payload = body(target=group(f"grp-{GROUP}", "externalId"))
        assert_refused(client, endpoint, payload, 889, PROCESSING_FAILED)

    def test_rejects_a_merged_recipient(self, client, endpoint):
        message = f"Merged customer found with id: {MERGED}"
        assert_refused(client, endpoint, body(target=customer(MERGED)), 419, message)

    def test_rejects_a_merged_sender(self, client, endpoint):
        payload = body(source=customer(MERGED), target=group(), by=MERGED)
        message = f"Merged customer found with id: {MERGED}"
        assert_refused(client, endpoint, payload, 419, message)


def _seed_with_outsider(config: dict[str, Any] | None = None, **outsider: Any) -> dict[str, Any]:
    seed = org_seed(**(config or {}))
    for person in seed["orgs"][0]["customers"]:
        if person["userId"] == OUTSIDER:
            person.update(outsider)
    return seed


FRAUD_CHECK = {"CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER": True}


class TestCustomerChecks:
    """The customer transfer's fraud (414/415) and enrolment (881) checks, on customer sides."""

    def test_rejects_a_fraud_recipient(self, client, endpoint):
        auth = load_org(client, _seed_with_outsider(FRAUD_CHECK, status="FRAUD"))
        message = (
            "Destination customer status is fraud. Points cannot be transferred to customers "
            "with fraud status."
        )
        assert_refused(client, endpoint, body(), 414, message, auth)

    def test_rejects_a_fraud_sender(self, client, endpoint):
        auth = load_org(client, _seed_with_outsider(FRAUD_CHECK, status="FRAUD"))
        payload = body(source=customer(OUTSIDER), target=group(), by=OUTSIDER)
        message = (
            "Source customer status is fraud. Points cannot be transferred by customers "
            "with fraud status."
        )
        assert_refused(client, endpoint, payload, 415, message, auth)

    def test_fraud_is_not_checked_unless_the_org_asks(self, client):
        auth = load_org(client, _seed_with_outsider(status="FRAUD"))
        response = client.post(BOTH_ENDPOINTS[0], json=body(), headers=auth)
        assert response.json()["data"][0]["transferrable"] is True

    def test_rejects_a_fraud_check_key_that_is_not_a_boolean(self, client, endpoint):
        seed = _seed_with_outsider({"CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER": "maybe"})
        message = (
            "Configuration key CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER in the config_keys table "
            "is not set properly."
        )
        assert_refused(client, endpoint, body(), 412, message, load_org(client, seed))

    @pytest.mark.parametrize("direction", ["to", "from"])
    def test_rejects_a_customer_not_in_the_loyalty_program(self, client, endpoint, direction):
        auth = load_org(client, _seed_with_outsider(loyaltyType="non_loyalty"))
        payload = (
            body()
            if direction == "to"
            else body(source=customer(OUTSIDER), target=group(), by=OUTSIDER)
        )
        message = "Customer is not registered into the loyalty program."
        assert_refused(client, endpoint, payload, 881, message, auth)


class TestCustomerSource:
    @pytest.mark.parametrize("source", [None, "", "  ", 5])
    @pytest.mark.parametrize("side", ["toEntity", "fromEntity"])
    def test_a_customer_entity_needs_a_source(self, client, endpoint, side, source):
        entity = customer(OUTSIDER)
        if source is None:
            del entity["source"]
        else:
            entity["source"] = source
        payload = (
            body(target=entity)
            if side == "toEntity"
            else body(source=entity, target=group(), by=OUTSIDER)
        )
        assert_refused(client, endpoint, payload, 8012, "Invalid source passed.")

    def test_any_source_text_is_accepted(self, client):
        auth = load_org(client, org_seed())
        payload = body(target={**customer(OUTSIDER), "source": "INSTOREwe"})
        response = client.post(BOTH_ENDPOINTS[0], json=payload, headers=auth)
        assert response.json()["data"][0]["transferrable"] is True

    def test_a_group_entity_needs_none(self, client):
        auth = load_org(client, org_seed())
        response = client.post(BOTH_ENDPOINTS[0], json=body(source=group()), headers=auth)
        assert response.json()["errors"] == []


class TestBalanceErrors:
    def test_rejects_more_than_the_group_holds(self, client, endpoint):
        assert_refused(client, endpoint, body(101), 804, INSUFFICIENT)

    def test_rejects_more_than_the_group_holds_in_the_program(self, client, endpoint):
        payload = body(41, programId=OTHER_PROGRAM, by=MEMBER)
        assert_refused(client, endpoint, payload, 804, INSUFFICIENT)

    def test_rejects_a_transfer_from_an_empty_group(self, client, endpoint):
        payload = body(1, source=group(OTHER_GROUP), by=OTHER_PRIMARY)
        assert_refused(client, endpoint, payload, 804, INSUFFICIENT)

    def test_rejects_more_than_the_customer_holds(self, client, endpoint):
        payload = body(61, source=customer(OUTSIDER), target=group(), by=OUTSIDER)
        assert_refused(client, endpoint, payload, 804, INSUFFICIENT)


class TestMalformedRequests:
    @pytest.mark.parametrize("content", ["[1, 2]", "{not json", ""])
    def test_answers_400_never_500(self, client, endpoint, content):
        auth = load_org(client, org_seed())
        before = snapshot(client, GROUP_STATE)
        response = client.post(
            endpoint, content=content, headers={**auth, "Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["code"] == 400
        assert snapshot(client, GROUP_STATE) == before
