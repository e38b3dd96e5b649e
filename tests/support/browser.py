"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright, with the
network cut off. Every request that is not for the loopback emulator is aborted and recorded,
as are failed requests and error answers, so a page that needs anything from outside fails."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Playwright, Request, Response, Route

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's package (.ci/run installs it); Playwright never downloads a browser here."""
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
    )


@dataclass
class OfflinePage:
    """A page whose every non-loopback request is blocked; `problems` lists what went wrong."""

    page: Page
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Refused by the page's Content-Security-Policy: never sent, not even to the route."""
    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"blocked (not loopback): {u}" for u in self.blocked]
            + [f"failed: {u}" for u in self.failed]
            + [f"page error: {e}" for e in self.errors]
        )


@contextmanager
def offline_page(browser: Browser, **context_options: object) -> Iterator[OfflinePage]:
    context = browser.new_context(**context_options)  # type: ignore[arg-type]
    page = context.new_page()
    offline = OfflinePage(page)

    def route(route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.hostname in LOOPBACK:
            route.continue_()
        else:
            offline.blocked.append(url)
            route.abort("internetdisconnected")

    def on_failed(request: Request) -> None:
        if request.failure == "csp":
            offline.refused.append(request.url)
        elif request.failure == "net::ERR_ABORTED":
            # Chromium's word for a load the next navigation cancelled (a poll, or a script of
            # a page the test clicked away from before it finished); a missing asset is an
            # HTTP error, caught below, and an unreachable one another net:: error.
            pass
        elif request.url not in offline.blocked:
            offline.failed.append(f"{request.url} ({request.failure})")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "fetch":
            offline.failed.append(f"{response.url} (HTTP {response.status})")

    context.route("**/*", route)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.on("pageerror", lambda error: offline.errors.append(str(error)))
    try:
        yield offline
    finally:
        context.close()
