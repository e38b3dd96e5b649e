"""The console in a real browser with the network cut off: find a customer, read their ledger,
read an OTP from the live inbox, see a transfer made with it, see an injected fault in the
journal, move the clock and see points expire."""

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ADMIN_TOKEN
from tests.support import DEMO_AUTH, LiveServer, sample_body
from tests.support.browser import offline_page

pytestmark = pytest.mark.live
ADMIN = {"X-CAPEMU-ADMIN-TOKEN": ADMIN_TOKEN}
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "console.png"


class TestConsoleInBrowser:
    def test_debugging_session(self, browser: Browser, server: LiveServer, tmp_path: Path) -> None:
        api = httpx.Client(base_url=server.base_url, timeout=30)
        assert api.post("/_emulator/reset", headers=ADMIN).status_code == 200
        with offline_page(browser, viewport={"width": 1280, "height": 900}) as offline:
            page = offline.page
            page.goto(f"{server.base_url}/_emulator/ui/customers?adminToken={ADMIN_TOKEN}")
            page.fill("input[name=q]", "917799497290")
            page.click("button[type=submit]")
            page.locator("table.customers a").first.click()
            expect(page.locator("#ledger")).to_be_visible()
            customer_url = page.url

            # An OTP sent through the API appears in the live inbox.
            page.goto(f"{server.base_url}/_emulator/ui/otps")
            check = sample_body("Check if Points Transferrable (Customer)")
            api.post("/v2/points/isTransferrable", json=check, headers=DEMO_AUTH)
            expect(page.locator("#otp-table tbody tr").first).to_be_visible()
            expect(page.locator("#otp-table .otp-code").first).not_to_be_empty()

            # A transfer made with the API, using the newest code (the one the inbox just
            # showed), shows on the sender's page.
            code = api.get("/_emulator/otps", headers=ADMIN).json()["otps"][0]["code"]
            expect(page.locator("#otp-table")).to_contain_text(code)  # the inbox got it live
            transfer = {**sample_body("Transfer Points (Customer to Customer)"), "code": code}
            for key in ("fromCustomerIdentifier", "toCustomerIdentifier", "pointsTobeTransferred"):
                transfer[key] = check[key]  # the code is for this sender, recipient and amount
            made = api.post("/v2/points/transfer", json=transfer, headers=DEMO_AUTH).json()
            assert made["errors"] == [], made
            transfer_id = str(made["data"][0]["transferId"])
            page.goto(customer_url)
            expect(page.locator("#transfers")).to_contain_text(transfer_id)

            # A fault added in the console makes the next call fail; the journal shows it.
            page.goto(f"{server.base_url}/_emulator/ui/faults")
            page.fill("#fault-form input[name=count]", "1")
            page.click("#fault-form button[type=submit]")
            expect(page.locator("#fault-table tbody tr")).to_have_count(1)
            failed = api.post("/v2/points/transfer", json={}, headers=DEMO_AUTH)
            assert failed.status_code == 503
            page.goto(f"{server.base_url}/_emulator/ui/journal")
            expect(page.locator("details.call.failed").first).to_contain_text("503")
            page.locator("details.call.failed summary").first.click()
            expect(page.locator("details.call.failed pre").first).to_contain_text("durationMs")

            # Advancing the clock far expires the points: the ledger shows the expiry.
            page.goto(f"{server.base_url}/_emulator/ui/control")
            page.fill("#clock-advance input", "P3650D")
            page.click("#clock-advance button")
            expect(page.locator("#audit-status")).to_have_text("audit ok")
            page.goto(customer_url)
            expect(page.locator("tr[data-event=PointsExpiry]").first).to_be_visible()
            # CAPEMU_UPDATE_SCREENSHOT=1 refreshes the README's picture; otherwise it goes to tmp.
            shot = SCREENSHOT if os.environ.get("CAPEMU_UPDATE_SCREENSHOT") else tmp_path / "c.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            assert offline.problems() == []
            assert offline.refused == []
