"""A small test project of another team, using the pytest plugin's fixtures: written into a
temporary directory and run with `pytest -n 2` by tests/harness/test_plugin.py (this checkout's
virtualenv) and tests/foundation/test_packaging.py (a virtualenv holding only the wheel)."""

import os
import re
import subprocess
from pathlib import Path

from tests.support.live_server import PROJECT_ROOT

SIGNALS_ENVIRONMENT = "PLUGIN_PROJECT_SIGNALS"
"""A directory the project's tests write to: which servers and orgs they used, and the
hand-shake of the two concurrent tests."""

COMMON = """
import os
import time
from pathlib import Path

import pytest

SIGNALS = Path(os.environ["PLUGIN_PROJECT_SIGNALS"])
ANN, BOB = "919000000001", "919000000002"
ANN_AND_BOB = {"customers": [
    {"identifiers": {"mobile": ANN}, "points": [{"points": 500}]},
    {"identifiers": {"mobile": BOB}},
]}
TRANSFER = {"pointsTobeTransferred": 120,
            "fromCustomerIdentifier": {"type": "MOBILE", "value": ANN},
            "toCustomerIdentifier": {"type": "MOBILE", "value": BOB}}


def closing(client, mobile):
    params = {"identifierName": "mobile", "identifierValue": mobile, "source": "INSTORE"}
    body = client.get("/v2/pointsLedger/getCustomerLedgerBalance", params=params).json()
    return body["ledgerDetails"]["ledgerClosingBalance"][0]["closingBalance"]


def remember(emulator, org):
    (SIGNALS / f"url-{os.getpid()}").write_text(emulator.base_url)
    (SIGNALS / f"org-{org.org_id}-{os.getpid()}").touch()


def signal(name):
    (SIGNALS / name).touch()


def wait_for(name):
    for _ in range(2400):
        if (SIGNALS / name).exists():
            return
        time.sleep(0.05)
    pytest.fail(f"the other test never signalled {name!r}: did it run on another worker?")
"""

ISOLATION = """
from datetime import timedelta

from project_common import ANN, closing, remember
import pytest

ANN_AND_BOB = {"customers": [
    {"identifiers": {"mobile": ANN}, "points": [{"points": 500, "expiresAt": "P30D"}]},
]}


@pytest.mark.capillary_org(**ANN_AND_BOB)
def test_points_expire_when_the_orgs_clock_passes_their_expiry(
    capillary_emulator, capillary_org, capillary_client
):
    remember(capillary_emulator, capillary_org)
    capillary_org.clock.advance(timedelta(days=31))
    assert closing(capillary_client, ANN) == "0.000"


@pytest.mark.capillary_org(**ANN_AND_BOB)
def test_the_same_mobile_in_another_org_keeps_its_points(
    capillary_emulator, capillary_org, capillary_client
):
    remember(capillary_emulator, capillary_org)
    assert closing(capillary_client, ANN) == "500.000"
    assert capillary_emulator.audit().ok


def test_an_org_with_no_marker_is_empty(capillary_emulator, capillary_org):
    remember(capillary_emulator, capillary_org)
    assert capillary_org.customers == []
"""

CONCURRENT = """
from datetime import UTC, datetime

from project_common import ANN, ANN_AND_BOB, TRANSFER, remember, signal, wait_for
import pytest

FROZEN_AT = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.capillary_org(**ANN_AND_BOB)
def test_freezes_its_orgs_clock_while_the_other_transfers(
    capillary_emulator, capillary_org, capillary_client
):
    remember(capillary_emulator, capillary_org)
    capillary_org.clock.freeze()
    capillary_org.clock.set(FROZEN_AT)
    signal("frozen")
    wait_for("transferred")
    capillary_client.post("/v2/points/issuePointsTransferOtp", json=TRANSFER)
    assert capillary_org.wait_otp(mobile=ANN).issued_at == FROZEN_AT
    assert capillary_org.clock.now == FROZEN_AT


@pytest.mark.capillary_org(**ANN_AND_BOB)
def test_transfers_on_the_real_clock_meanwhile(
    capillary_emulator, capillary_org, capillary_client
):
    remember(capillary_emulator, capillary_org)
    wait_for("frozen")
    capillary_client.post("/v2/points/issuePointsTransferOtp", json=TRANSFER)
    otp = capillary_org.wait_otp(mobile=ANN)
    done = capillary_client.post("/v2/points/transfer", json={**TRANSFER, "code": otp.code})
    signal("transferred")
    assert done.json()["errors"] == []
    assert done.json()["data"][0]["pointsTransferDateISO"][:4] == str(datetime.now(UTC).year)
    assert capillary_org.clock.read().own_clock is False
"""

UNTOUCHED = """
import os
from pathlib import Path


def test_the_plugin_is_loaded_and_has_started_nothing(request):
    assert request.config.pluginmanager.has_plugin("capillary_emulator")
    pid = os.getpid()
    assert Path(f"/proc/{pid}/task/{pid}/children").read_text().split() == []
"""


def readme_example() -> str:
    """The python block of the README's "Testing with capillary-emulator" section."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Testing with capillary-emulator", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's testing section has no python block"
    return match.group(1)


def write_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\npythonpath = .\n")
    (root / "project_common.py").write_text(COMMON)
    (root / "test_readme_example.py").write_text(readme_example())
    (root / "test_isolation.py").write_text(ISOLATION)
    (root / "test_concurrent.py").write_text(CONCURRENT)
    (root / "test_untouched.py").write_text(UNTOUCHED)
    (root / "signals").mkdir(exist_ok=True)
    return root


def run_project(
    python: str, root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m pytest ARGS` in the project, with none of this suite's settings."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CAPEMU_", "PYTEST", "PYTHONPATH", "PLUGIN_PROJECT"))
    }
    signals = root / "signals"
    for old in signals.iterdir():
        old.unlink()
    return subprocess.run(
        [python, "-m", "pytest", *args],
        cwd=root,
        env={**clean, SIGNALS_ENVIRONMENT: str(signals), **(env or {})},
        capture_output=True,
        text=True,
        timeout=540,
    )
