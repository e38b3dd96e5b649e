"""`capillary-emulator load-seed`: a document added in one transaction, progress for large ones."""

import json

from sqlalchemy import create_engine, func, select

from capillary_emulator import cli, clock
from capillary_emulator.models import Customer, Org
from capillary_emulator.seed.schema import SeedDocument
from capillary_emulator.seed.service import load_seed, parse_seed
from tests.foundation.test_ledger_bulk import small_org
from tests.support.databases import fresh_database_url


def _count(url: str, model) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return found


class TestLoadSeed:
    def test_adds_the_document_beside_the_demo_data(self, tmp_path, monkeypatch, capsys):
        url = fresh_database_url(tmp_path, "cli")
        monkeypatch.setenv("CAPEMU_DATABASE_URL", url)
        document = tmp_path / "small.json"
        document.write_text(json.dumps(small_org()))
        assert cli.main(["load-seed", str(document)]) == 0
        out, err = capsys.readouterr()
        assert out.startswith("{'orgs': [{'orgId': 300101") and err == ""
        assert _count(url, Org) == 2

    def test_rejects_a_clash_and_writes_nothing(self, tmp_path, monkeypatch, capsys):
        url = fresh_database_url(tmp_path, "cli_clash")
        monkeypatch.setenv("CAPEMU_DATABASE_URL", url)
        document = tmp_path / "small.json"
        document.write_text(json.dumps(small_org()))
        assert cli.main(["load-seed", str(document)]) == 0
        customers = _count(url, Customer)
        assert cli.main(["load-seed", str(document)]) == 2
        assert "orgs.0.orgId" in capsys.readouterr().err
        assert _count(url, Customer) == customers


class TestProgress:
    def test_reports_planning_and_writing_up_to_their_totals(self, write_session):
        reports: list[tuple[str, int, int]] = []
        document = parse_seed(small_org())
        load_seed(
            write_session,
            document,
            now=clock.now(write_session),
            progress=lambda *report: reports.append(report),
        )
        write_session.rollback()
        stages = [stage for stage, _, _ in reports]
        assert stages[0] == "planning" and stages[-1] == "writing"
        last = {stage: (done, total) for stage, done, total in reports}
        assert last["planning"] == (1, 1)
        assert last["writing"][0] == last["writing"][1] > 0

    def test_stays_off_stderr_when_it_is_not_a_terminal(self):
        org = small_org()["orgs"][0]
        customers = [{"identifiers": {"mobile": str(i)}} for i in range(cli.PROGRESS_FROM)]
        big = SeedDocument.model_validate(
            {"orgs": [{**org, "customers": customers, "userGroups": [], "redemptions": []}]}
        )
        with cli._progress_bar(big) as progress:
            assert progress is None  # pytest captures stderr: not a terminal


class TestHelp:
    def _help(self, capsys, *args: str) -> str:
        try:
            cli.main([*args, "--help"])
        except SystemExit as exit_:
            assert exit_.code == 0
        return " ".join(capsys.readouterr().out.split())

    def test_serve_names_every_option_and_its_default(self, capsys):
        shown = self._help(capsys, "serve")
        assert "--host HOST address to listen on (default: CAPEMU_HOST, else 127.0.0.1)" in shown
        assert "--port PORT port to listen on, 1-65535 (default: CAPEMU_PORT, else 8000)" in shown
        assert "(default: CAPEMU_WORKERS, else 1)" in shown
        assert "CAPEMU_SEED_FILE" in shown and "existing data is kept" in shown

    def test_every_command_is_described(self, capsys):
        top = self._help(capsys)
        for command in ("serve", "migrate", "load-seed"):
            assert command in top
        assert "CAPEMU_* environment variables" in top
        assert "CAPEMU_DATABASE_URL" in self._help(capsys, "migrate")
        load = self._help(capsys, "load-seed")
        assert "file the seed document (YAML or JSON)" in load and "all or nothing" in load
