"""Loading seed documents through the control plane, and state the demo seed lacks."""

from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator import clock
from capillary_emulator.models import Org, Program, Till
from capillary_emulator.tenancy import Caller
from capillary_emulator.transfer_core.movement import move_points
from capillary_emulator.writer.core import Owner
from tests.support.api import DEMO_ORG, basic_auth


def load_org(client: Any, seed: dict[str, Any]) -> dict[str, str]:
    """Load a seed document through POST /_emulator/seed; the Basic auth headers of its first
    org's first till."""
    response = client.post("/_emulator/seed", json=seed)
    assert response.status_code == 200, response.text
    till = seed["orgs"][0]["tills"][0]
    return basic_auth(till["code"], till["password"])


def make_the_history_sample_transfer(session: Session) -> int:
    """The transfer the history sample shows, which the demo data lacks, made and committed
    through the one transfer service: group 2626 sends 10 points of program 765 to customer
    418400980. Returns the transfer's id."""
    caller = Caller(org=session.get(Org, DEMO_ORG), till=session.get(Till, 15041276))
    transfer, _ = move_points(
        session,
        caller=caller,
        now=clock.now(session),
        source=Owner("USERGROUP2", 2626),
        target=Owner("CUSTOMER", 418400980),
        program=session.get(Program, 765),
        points_milli=10_000,
        notes="notes123",
        transferred_by=418400982,
    )
    session.commit()
    return transfer.id
