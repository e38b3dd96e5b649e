"""POST /v2/points/reverse when the org's reversal switch holds something that is not a boolean:
Capillary's 888, and nothing changes."""

from reversal_builders import (
    REVERSAL_STATE,
    SAVER_MOBILE,
    expiry_org_seed,
    redeem,
    reverse,
    reverse_body,
)

from tests.support import assert_error, audit_ok, load_org, snapshot


class TestReverseConfiguration:
    def test_rejects_a_switch_that_is_not_a_boolean(self, client):
        auth = load_org(client, expiry_org_seed(ALLOW_POINTS_REDEMPTION_REVERSAL="maybe"))
        redemption = redeem(client, 10, mobile=SAVER_MOBILE, auth=auth)
        before = snapshot(client, REVERSAL_STATE)

        response = reverse(
            client, reverse_body(redemption, points=5, value=SAVER_MOBILE), auth=auth
        )

        assert_error(response, 888, "Configuration is invalid. Please report to Capillary Support")
        assert snapshot(client, REVERSAL_STATE) == before
        audit_ok(client)
