"""The console's control page in a real browser with the network cut off: one org's own clock
(the others keep theirs), and snapshots downloaded (whole and per org) and restored."""

import json
from datetime import datetime

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ADMIN_TOKEN
from tests.support import LiveServer
from tests.support.browser import offline_page

pytestmark = pytest.mark.live
ADMIN = {"X-CAPEMU-ADMIN-TOKEN": ADMIN_TOKEN}
ONE_CUSTOMER = {
    "customers": [
        {
            "identifiers": {"mobile": "919000000001"},
            "points": [{"points": 100, "expiresAt": "P30D"}],
        }
    ]
}


def now_of(api: httpx.Client, org_id: int | None = None) -> datetime:
    params = {"orgId": org_id} if org_id is not None else {}
    return datetime.fromisoformat(api.get("/_emulator/clock", params=params).json()["now"])


class TestControlPage:
    def test_org_clock_and_snapshots(self, browser: Browser, server: LiveServer, tmp_path) -> None:
        api = httpx.Client(base_url=server.base_url, timeout=30, headers=ADMIN)
        assert api.post("/_emulator/reset").status_code == 200
        org = api.post("/_emulator/orgs", json=ONE_CUSTOMER).json()
        org_id = org["orgId"]
        with offline_page(browser, accept_downloads=True) as offline:
            page = offline.page
            page.goto(f"{server.base_url}/_emulator/ui/control?adminToken={ADMIN_TOKEN}")

            # The org's own clock: advancing it moves that org only.
            page.select_option("#clock-org", str(org_id))
            expect(page.locator("#clock-own")).to_have_text("follows the global clock")
            page.fill("#clock-advance input", "P60D")
            page.click("#clock-advance button")
            expect(page.locator("#clock-own")).to_have_text("its own clock")
            assert api.get("/_emulator/clock", params={"orgId": org_id}).json()["ownClock"]
            assert (now_of(api, org_id) - now_of(api)).days in (59, 60)
            shown = datetime.fromisoformat(page.locator("#clock-value").inner_text())
            assert (shown - now_of(api)).days in (59, 60)
            # Back on the global clock, the page shows it again.
            page.select_option("#clock-org", "")
            expect(page.locator("#clock-own")).to_have_text("")
            shown = datetime.fromisoformat(page.locator("#clock-value").inner_text())
            assert abs((shown - now_of(api)).total_seconds()) < 3600
            # The org's points expired on its clock (the audit stays ok).
            expect(page.locator("#audit-status")).to_have_text("audit ok")

            # Download the org's snapshot, then the whole state's.
            with page.expect_download() as downloading:
                page.click(f"a.snapshot-org[data-org='{org_id}']")
            org_file = tmp_path / "org.json"
            downloading.value.save_as(org_file)
            document = json.loads(org_file.read_text())
            assert document["format"] == "capillary-emulator-snapshot"
            assert document["orgId"] == org_id
            assert document == api.get("/_emulator/snapshot", params={"orgId": org_id}).json()
            with page.expect_download() as downloading:
                page.click("#snapshot-link")
            whole = json.loads(downloading.value.path().read_text())
            assert whole["orgId"] is None
            assert {o[0] for o in whole["tables"]["orgs"]["rows"]} >= {org_id}

            # The org deleted, its snapshot restored from the page: back as it was.
            assert api.delete(f"/_emulator/orgs/{org_id}").status_code == 204
            page.set_input_files("#snapshot-form input[type=file]", str(org_file))
            page.click("#snapshot-form button")
            expect(page.locator("#snapshot-result")).to_have_text(
                f"restored org {org_id}: 1 customers"
            )
            assert api.get("/_emulator/snapshot", params={"orgId": org_id}).json() == document
            assert api.get("/_emulator/audit").json()["ok"]
            assert offline.problems() == []
            assert offline.refused == []
