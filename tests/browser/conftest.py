"""One live emulator (a real `serve` process) and one headless Chromium for the module."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.support import LiveServer
from tests.support.browser import launch_chromium
from tests.support.databases import fresh_database_url

# How long `expect` waits for a page to get where a test says (not a speed check): Swagger UI
# renders the whole document in script, which takes seconds on a loaded CI machine.
expect.set_options(timeout=30_000)

ADMIN_TOKEN = "console-test-token"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The emulator as users run it, with an admin token (the console must carry it)."""
    root: Path = tmp_path_factory.mktemp("browser")
    live = LiveServer(
        fresh_database_url(root, "browser"), workers=1, env={"CAPEMU_ADMIN_TOKEN": ADMIN_TOKEN}
    )
    live.start()
    yield live
    live.stop()
