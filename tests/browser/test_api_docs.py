"""/docs and /redoc render with the network cut off: their assets come from the emulator."""

import pytest
from playwright.sync_api import Browser, expect

from tests.support import LiveServer
from tests.support.browser import offline_page

pytestmark = pytest.mark.live


class TestOfflineDocs:
    def test_swagger_ui_renders_every_operation_offline(
        self, browser: Browser, server: LiveServer
    ) -> None:
        with offline_page(browser) as offline:
            offline.page.goto(server.base_url + "/docs")
            transfer = offline.page.locator(
                ".opblock-post .opblock-summary-path", has_text="/v2/points/transfer"
            ).first
            expect(transfer).to_be_visible()
            expect(offline.page.locator(".opblock").first).to_be_visible()
            assert offline.page.locator(".opblock").count() >= 20
            offline.page.wait_for_load_state("networkidle")
            assert offline.problems() == []
            assert offline.refused == []

    def test_redoc_renders_offline(self, browser: Browser, server: LiveServer) -> None:
        with offline_page(browser) as offline:
            offline.page.goto(server.base_url + "/redoc")
            expect(offline.page.get_by_text("/v2/points/transfer").first).to_be_attached()
            expect(offline.page.locator("h1").first).to_contain_text("capillary-emulator")
            offline.page.wait_for_load_state("networkidle")
            assert offline.problems() == []
            # ReDoc's side menu links its vendor's logo from a CDN; the page's policy keeps the
            # browser from asking for it, and ReDoc drops the image.
            assert offline.refused == ["https://cdn.redoc.ly/redoc/logo-mini.svg"]

    def test_the_test_would_notice_an_external_asset(
        self, browser: Browser, server: LiveServer
    ) -> None:
        """The guard itself: a page that pulls a CDN script is reported, not silently fine
        (with the page's own policy switched off, which would refuse it first)."""
        with offline_page(browser, bypass_csp=True) as offline:
            offline.page.goto(server.base_url + "/docs")
            with offline.page.expect_event("requestfailed"):
                offline.page.evaluate(
                    "() => { const s = document.createElement('script');"
                    " s.src = 'https://cdn.jsdelivr.net/npm/x.js'; document.head.appendChild(s); }"
                )
            assert any("cdn.jsdelivr.net" in p for p in offline.problems())
