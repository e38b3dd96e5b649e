"""Start-up of the real `capillary-emulator` command: every bad setting or input ends with one
line naming it (and the file and line where there is one), exit status 2, no traceback; a
changed seed file on an existing database is announced."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from capillary_emulator.config import DEMO_SEED_FILE
from tests.foundation.test_settings import _orgs
from tests.support.api import DEMO_ORG
from tests.support.databases import fresh_database_url
from tests.support.live_server import PROJECT_ROOT, LiveServer

COMMAND = str(Path(sys.executable).parent / "capillary-emulator")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args],
        env={**os.environ, "CAPEMU_LOG_LEVEL": "warning", **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _refused(args: list[str], env: dict[str, str]) -> str:
    """The one line of a refused start."""
    done = _run(args, env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("capillary-emulator: error: ")
    return lines[0]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'start.db'}"


@pytest.mark.live
class TestBadSettings:
    def test_database_url_that_is_no_url(self, sqlite_url):
        line = _refused(["serve"], {"CAPEMU_DATABASE_URL": "nonsense"})
        assert line.endswith("CAPEMU_DATABASE_URL=nonsense: not a SQLAlchemy database URL")

    def test_database_that_cannot_be_reached(self):
        url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
        line = _refused(["migrate"], {"CAPEMU_DATABASE_URL": url})
        assert "CAPEMU_DATABASE_URL=postgresql+psycopg://nobody:***@127.0.0.1:1/none: " in line
        assert "secret" not in line

    def test_database_file_that_cannot_be_created(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"
        line = _refused(["serve"], {"CAPEMU_DATABASE_URL": url})
        assert line.endswith(f"CAPEMU_DATABASE_URL={url}: unable to open database file")

    def test_missing_seed_file(self, sqlite_url, tmp_path):
        missing = tmp_path / "nope.yaml"
        line = _refused(
            ["serve"], {"CAPEMU_DATABASE_URL": sqlite_url, "CAPEMU_SEED_FILE": str(missing)}
        )
        assert line.endswith(f"CAPEMU_SEED_FILE={missing}: No such file or directory")

    def test_seed_file_that_is_not_yaml_names_the_line(self, sqlite_url, tmp_path):
        bad = tmp_path / "bad.yaml"
        bad.write_text("orgs:\n  - orgId: 1\n    name: [x\n")
        line = _refused(
            ["serve"], {"CAPEMU_DATABASE_URL": sqlite_url, "CAPEMU_SEED_FILE": str(bad)}
        )
        assert f"CAPEMU_SEED_FILE={bad}, line 4: " in line
        assert "not YAML or JSON" in line

    def test_seed_file_with_a_bad_field_names_its_line(self, sqlite_url, tmp_path):
        bad = tmp_path / "bad.yaml"
        bad.write_text("orgs:\n  - orgId: 1\n    name: x\n    tills: 5\n")
        line = _refused(
            ["serve"], {"CAPEMU_DATABASE_URL": sqlite_url, "CAPEMU_SEED_FILE": str(bad)}
        )
        assert f"CAPEMU_SEED_FILE={bad}, line 4: Invalid seed document at orgs.0.tills: " in line

    def test_unknown_log_level(self, sqlite_url):
        line = _refused(["serve"], {"CAPEMU_DATABASE_URL": sqlite_url, "CAPEMU_LOG_LEVEL": "loud"})
        assert line.endswith(
            "CAPEMU_LOG_LEVEL=loud: must be one of critical, error, warning, info, debug, trace"
        )

    @pytest.mark.parametrize(
        ("args", "env", "named"),
        [
            (["serve", "--port", "99999"], {}, "--port=99999"),
            (["serve", "--port", "0"], {}, "--port=0"),
            (["serve"], {"CAPEMU_PORT": "70000"}, "CAPEMU_PORT=70000"),
            (["serve", "--workers", "0"], {}, "--workers=0"),
            (
                ["serve"],
                {"CAPEMU_BUSINESS_ERROR_STATUS": "500"},
                "CAPEMU_BUSINESS_ERROR_STATUS=500",
            ),
            (["serve"], {"CAPEMU_JOURNAL_SIZE": "-1"}, "CAPEMU_JOURNAL_SIZE=-1"),
        ],
    )
    def test_out_of_range_values(self, sqlite_url, args, env, named):
        line = _refused(args, {"CAPEMU_DATABASE_URL": sqlite_url, **env})
        assert f"error: {named}: " in line

    def test_port_in_use(self, sqlite_url):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            line = _refused(["serve", "--port", str(port)], {"CAPEMU_DATABASE_URL": sqlite_url})
        assert line.endswith(
            f"CAPEMU_HOST=127.0.0.1 --port={port}: cannot listen there (Address already in use)"
        )
        assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # refused before any work


@pytest.mark.live
class TestChangedSeedFile:
    def test_start_says_the_data_is_kept_until_reset(self, tmp_path):
        url = fresh_database_url(tmp_path, "changed_seed")
        first = LiveServer(url, env={"CAPEMU_SEED_FILE": str(DEMO_SEED_FILE)}).start()
        first.stop()
        changed = tmp_path / "changed.yaml"
        changed.write_text(DEMO_SEED_FILE.read_text() + "# edited\n")
        second = LiveServer(url, env={"CAPEMU_SEED_FILE": str(changed)}).start()
        try:
            assert _orgs(url) == [DEMO_ORG]  # kept
        finally:
            second.stop()
        assert second.process is not None and second.process.stderr is not None
        assert second.process.stderr.read().decode().splitlines() == [
            f"capillary-emulator: CAPEMU_SEED_FILE={changed} is not the seed this database was "
            "loaded from: the existing data is kept; POST /_emulator/reset replaces it with "
            "this file"
        ]

    def test_the_same_file_again_says_nothing(self, tmp_path):
        url = fresh_database_url(tmp_path, "same_seed")
        for _ in range(2):
            server = LiveServer(url).start()
            server.stop()
            assert server.process is not None and server.process.stderr is not None
            assert server.process.stderr.read().decode() == ""
