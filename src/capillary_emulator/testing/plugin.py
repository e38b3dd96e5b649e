"""The pytest plugin (entry point `pytest11: capillary_emulator`): installing the package is all
it takes. It only adds fixtures, an option and a marker; nothing runs, starts or connects until
a test asks for one of its fixtures.

- `capillary_emulator` (session): an `Emulator` client. Uses the server at `--capillary-url` or
  `CAPEMU_URL` (admin token from `CAPEMU_ADMIN_TOKEN`) when given; else starts
  `capillary-emulator serve` on a free port with a temporary SQLite file, and stops it at the
  end of the session. Under pytest-xdist each worker starts its own (or all share the URL).
- `capillary_org` (function): a fresh org (`Org`), deleted afterwards. The body of
  `POST /_emulator/orgs` comes from `@pytest.mark.capillary_org(customers=[...], ...)`.
- `capillary_client` (function): an `httpx.Client` authenticated as that org's till.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from capillary_emulator.testing.client import Emulator, Org

URL_ENVIRONMENT = "CAPEMU_URL"
TOKEN_ENVIRONMENT = "CAPEMU_ADMIN_TOKEN"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("capillary-emulator")
    group.addoption(
        "--capillary-url",
        default=None,
        metavar="URL",
        help=f"the capillary-emulator to use instead of starting one (or {URL_ENVIRONMENT})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "capillary_org(**body): the org the capillary_org fixture creates, in the body format of "
        "POST /_emulator/orgs (customers, config, programs, userGroups, redemptions, ...)",
    )


@pytest.fixture(scope="session")
def capillary_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """The emulator's control plane: the server at --capillary-url / CAPEMU_URL, or one this
    session starts (and stops)."""
    from capillary_emulator.testing.client import Emulator
    from capillary_emulator.testing.server import EmulatorServer

    url = request.config.getoption("capillary_url") or os.environ.get(URL_ENVIRONMENT)
    if url:
        with Emulator(url, admin_token=os.environ.get(TOKEN_ENVIRONMENT)) as emulator:
            health = emulator.health()
            if health.status != "ok":
                pytest.fail(f"the capillary-emulator at {url} answers {health.status!r}")
            yield emulator
        return
    with EmulatorServer() as server:
        yield server.emulator


@pytest.fixture
def capillary_org(capillary_emulator: Emulator, request: pytest.FixtureRequest) -> Iterator[Org]:
    """A fresh, isolated org (its own customers, clock and faults), deleted after the test."""
    from capillary_emulator.testing.client import EmulatorError

    marker = request.node.get_closest_marker("capillary_org")
    body = {
        **(marker.args[0] if marker and marker.args else {}),
        **(marker.kwargs if marker else {}),
    }
    org = capillary_emulator.create_org(**body)
    yield org
    try:
        org.delete()
    except EmulatorError as error:
        if error.status != 404:  # the test deleted it itself
            raise


@pytest.fixture
def capillary_client(capillary_org: Org) -> Iterator[httpx.Client]:
    """An `httpx.Client` on the emulator, authenticated as `capillary_org`'s till."""
    with capillary_org.client() as client:
        yield client
