"""Loading seed documents through the control plane."""

from typing import Any

from tests.support.api import basic_auth


def load_org(client: Any, seed: dict[str, Any]) -> dict[str, str]:
    """Load a seed document through POST /_emulator/seed; the Basic auth headers of its first
    org's first till."""
    response = client.post("/_emulator/seed", json=seed)
    assert response.status_code == 200, response.text
    till = seed["orgs"][0]["tills"][0]
    return basic_auth(till["code"], till["password"])
