"""The console's pages (GET /_emulator/ui/*): the admin-token rule, search, the customer page."""

import re

from fastapi.testclient import TestClient

from capillary_emulator.config import Settings
from capillary_emulator.main import create_app

PAGES = ["", "customers", "groups", "otps", "journal", "faults", "control"]


def customer_links(html: str) -> list[str]:
    return re.findall(r"/_emulator/ui/customers/\d+/\d+", html)


class TestConsolePages:
    def test_every_page_renders(self, client: TestClient) -> None:
        for page in PAGES:
            answer = client.get(f"/_emulator/ui/{page}")
            assert answer.status_code == 200, page
            assert "/_emulator/ui/static/console.js" in answer.text
            assert "default-src 'self'" in answer.headers["content-security-policy"]

    def test_search_finds_a_customer_by_any_identifier(self, client: TestClient) -> None:
        by_mobile = client.get("/_emulator/ui/customers", params={"q": "917799000000"})
        by_external = client.get("/_emulator/ui/customers", params={"q": "tomanatest2"})
        nobody = client.get("/_emulator/ui/customers", params={"q": "nobody-has-this"})
        assert len(customer_links(by_mobile.text)) == 1
        assert len(customer_links(by_external.text)) == 1
        assert customer_links(nobody.text) == []

    def test_customer_page_shows_balances_and_ledger(self, client: TestClient) -> None:
        found = client.get("/_emulator/ui/customers", params={"q": "tomanatest2"})
        page = client.get(customer_links(found.text)[0])
        assert page.status_code == 200
        assert 'id="ledger"' in page.text and 'id="balances"' in page.text
        assert "data-event=" in page.text

    def test_unknown_customer_is_capillary_404(self, client: TestClient) -> None:
        answer = client.get("/_emulator/ui/customers/1/999999999")
        assert answer.status_code == 404
        assert answer.json()["errors"][0]["code"] == 404


class TestConsoleAdminToken:
    def test_token_by_query_becomes_a_cookie(self, settings: Settings) -> None:
        guarded = create_app(Settings(**{**settings.model_dump(), "admin_token": "s3cret"}))
        with TestClient(guarded) as browser:
            assert browser.get("/_emulator/ui/").status_code == 403
            assert browser.get("/_emulator/ui/?adminToken=wrong").status_code == 403
            entry = browser.get("/_emulator/ui/?adminToken=s3cret", follow_redirects=False)
            assert entry.status_code == 303
            assert "adminToken" not in entry.headers["location"]
            cookie = entry.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=strict" in cookie
            browser.cookies.set("capemu_admin_token", "s3cret")
            assert browser.get("/_emulator/ui/customers").status_code == 200
            assert browser.get("/_emulator/audit").status_code == 200
