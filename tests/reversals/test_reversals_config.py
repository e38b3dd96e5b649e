"""POST /v2/points/reverse when the org's reversal switch holds something that is not a boolean:
Capillary's 888, and nothing changes."""

from conftest import audit_ok
from reversal_builders import (
    SAVER_MOBILE,
    assert_error,
    load_expiry_org,
    redeem,
    reverse,
    reverse_body,
    snapshot,
)


class TestReverseConfiguration:
    def test_rejects_a_switch_that_is_not_a_boolean(self, client):
        auth = load_expiry_org(client, ALLOW_POINTS_REDEMPTION_REVERSAL="maybe")
        redemption = redeem(client, 10, mobile=SAVER_MOBILE, auth=auth)
        before = snapshot(client)

        response = reverse(
            client, reverse_body(redemption, points=5, value=SAVER_MOBILE), auth=auth
        )

        assert_error(response, 888, "Configuration is invalid. Please report to Capillary Support")
        assert snapshot(client) == before
        audit_ok(client)
