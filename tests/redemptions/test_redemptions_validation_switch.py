"""POINTS_REDEMPTION_VALIDATION_REQUIRED: v1.1 redeem needs a validation code unless the org
turns it off (several POS orgs redeem without one); a non-boolean is 888."""

from typing import Any

from redemption_builders import (
    PROGRAM,
    REDEEMER,
    item_of,
    org_seed,
    redeem,
    redeem_body,
    redeem_item,
)

from tests.support import load_org, main_points


def test_required_by_default(client: Any) -> None:
    auth = load_org(client, org_seed())
    response = redeem(client, auth, redeem_body(redeem_item(10)), skip_validation=False)
    assert item_of(response)["item_status"]["code"] == 808


def test_switched_off_redeems_without_a_code(client: Any) -> None:
    auth = load_org(client, org_seed(POINTS_REDEMPTION_VALIDATION_REQUIRED=False))
    before = main_points(client, REDEEMER, PROGRAM)
    response = redeem(client, auth, redeem_body(redeem_item(10)), skip_validation=False)
    assert item_of(response)["item_status"]["code"] == 800, response.text
    assert main_points(client, REDEEMER, PROGRAM) == before - 10_000


def test_a_non_boolean_is_888(client: Any) -> None:
    auth = load_org(client, org_seed(POINTS_REDEMPTION_VALIDATION_REQUIRED="maybe"))
    response = redeem(client, auth, redeem_body(redeem_item(10)), skip_validation=False)
    assert item_of(response)["item_status"]["code"] == 888
