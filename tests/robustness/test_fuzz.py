"""Issue 12, a permanent check: schemathesis 4 against the served emulator's OpenAPI, every
check on every operation, with the demo till's credentials, a fixed seed, a fixed example budget
and a time limit. It fails on any server error (ST101, ST102); the conformance findings of the
other checks are left in the report (tmp_path/fuzz) for docs/emulation-coverage.md.

POST /_emulator/faults is left out: an injected fault answers 5xx by design."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support import DEMO_AUTH

SERVER_ERRORS = ("ST101", "ST102")
MAX_EXAMPLES = 10
MAX_SECONDS = 60


@pytest.mark.live
def test_fuzzing_every_operation_finds_no_server_error(live_server_factory, tmp_path):
    server = live_server_factory()
    report = tmp_path / "fuzz"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{server.base_url}/openapi.json",
        "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--max-time", str(MAX_SECONDS),
        "--request-timeout", "40",
        "--seed", "1212",
        "--generation-deterministic",
        "--exclude-path", "/_emulator/faults",
        "--header", f"Authorization: {DEMO_AUTH['Authorization']}",
        "--report", "junit",
        "--report-dir", str(report),
        "--no-color",
    ]  # fmt: skip
    # Run in tmp_path: schemathesis keeps a cache of its findings in the working directory.
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=MAX_SECONDS + 120, cwd=tmp_path
    )
    [junit] = report.glob("*.xml")
    suite = ET.parse(junit).getroot()
    tested = [case.get("name") for case in suite.iter("testcase")]
    assert len(tested) >= 30, run.stdout[-3000:]
    server_errors = [
        (case.get("name"), failure.text)
        for case in suite.iter("testcase")
        for failure in case.iter("failure")
        if any(code in (failure.get("message") or "") for code in SERVER_ERRORS)
    ]
    assert server_errors == [], server_errors
