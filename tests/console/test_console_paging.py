"""The console's customer list pages by key (after / before an id): following the links visits
every customer once, in id order, and a deep page is one index seek (issue 15)."""

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.console.test_console_pages import customer_links

CUSTOMERS = 60  # three pages of 25, the last one short


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def ids_on(page: str) -> list[int]:
    return [int(url.rsplit("/", 1)[1]) for url in customer_links(page)]


def test_next_and_previous_links_page_by_key(client: TestClient) -> None:
    body = {"customers": [{"identifiers": {"mobile": f"9190000{i:05d}"}} for i in range(CUSTOMERS)]}
    org = client.post("/_emulator/orgs", json=body).json()
    url: str | None = f"/_emulator/ui/customers?orgId={org['orgId']}"
    pages: list[list[int]] = []
    addresses: list[str] = []
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200, answer.text
        pages.append(ids_on(answer.text))
        addresses.append(url)
        url = link(answer.text, "next")
        assert url is None or "after=" in url
    assert [len(p) for p in pages] == [25, 25, 10]
    seen = [i for p in pages for i in p]
    assert seen == sorted(seen) and len(set(seen)) == CUSTOMERS
    assert "page 3" in client.get(addresses[2]).text

    previous = link(client.get(addresses[2]).text, "prev")
    assert previous is not None and "before=" in previous
    back = client.get(previous).text
    assert ids_on(back) == pages[1]
    first = link(back, "prev")
    assert first is not None
    assert ids_on(client.get(first).text) == pages[0]
    assert link(client.get(first).text, "prev") is None  # the first page has no previous

    # An address with only a page number (no key) still finds that page.
    offset_page = client.get(f"/_emulator/ui/customers?orgId={org['orgId']}&page=1").text
    assert ids_on(offset_page) == pages[1]


def test_an_orgs_customers_are_indexed_by_org_and_id(session) -> None:
    """The keyset query seeks ix_customers_org_id_id rather than sorting the org's customers."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        plan = session.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT id FROM customers WHERE org_id = 1 AND id > 5 "
                "ORDER BY id LIMIT 26"
            )
        ).all()
        details = " ".join(str(row[-1]) for row in plan)
        assert "ix_customers_org_id_id" in details and "TEMP B-TREE" not in details
    else:
        names = session.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'customers'")
        ).scalars()
        assert "ix_customers_org_id_id" in set(names)
