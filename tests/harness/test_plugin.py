"""The pytest plugin as another project uses it: a temporary test project (tests/support/
plugin_project.py, the README's example among its tests) run with `pytest -n 2`, starting its
own emulators or sharing a served one."""

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from capillary_emulator.testing import Emulator
from tests.support import LiveServer
from tests.support.live_server import served_on_a_fresh_database
from tests.support.plugin_project import run_project, write_project

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("plugin") / "project")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with served_on_a_fresh_database(tmp_path_factory.mktemp("shared"), "plugin") as server:
        yield server


def passed(done, count: int) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{count} passed" in done.stdout, done.stdout


def used(project: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in (project / "signals").glob(f"{prefix}-*"))


class TestStartedByThePlugin:
    def test_two_workers_each_start_an_emulator_and_stop_it(self, project):
        done = run_project(
            sys.executable, project, "-n", "2", "test_readme_example.py", "test_isolation.py"
        )
        passed(done, 4)
        urls = {(project / "signals" / name).read_text() for name in used(project, "url")}
        assert len(urls) == 2  # one per worker
        for url in urls:
            with pytest.raises(httpx.ConnectError):
                httpx.get(url + "/_emulator/health")

    def test_loading_the_plugin_starts_nothing(self, project):
        passed(run_project(sys.executable, project, "test_untouched.py"), 1)


class TestSharedServer:
    def test_one_org_freezes_its_clock_while_another_transfers(self, project, shared):
        done = run_project(
            sys.executable, project, "-n", "2", "--capillary-url", shared.base_url,
            "test_concurrent.py", "test_readme_example.py",
        )  # fmt: skip
        passed(done, 3)
        orgs = used(project, "org")
        assert len({name.split("-")[2] for name in orgs}) == 2  # two workers
        with Emulator(shared.base_url) as emulator:
            assert emulator.audit().ok
            for name in orgs:  # every org the tests made is gone
                with pytest.raises(Exception, match="404"):
                    emulator.clock(int(name.split("-")[1]))

    def test_the_environment_names_the_server_too(self, project, shared):
        done = run_project(
            sys.executable, project, "test_isolation.py", "-k", "no_marker",
            env={"CAPEMU_URL": shared.base_url},
        )  # fmt: skip
        passed(done, 1)
        (url,) = used(project, "url")
        assert (project / "signals" / url).read_text() == shared.base_url

    def test_a_server_that_is_not_there_fails_the_tests_that_need_it(self, project):
        done = run_project(
            sys.executable, project, "--capillary-url", "http://127.0.0.1:9", "test_untouched.py",
            "test_readme_example.py",
        )  # fmt: skip
        assert done.returncode == 1, done.stdout
        assert "1 passed" in done.stdout and "1 error" in done.stdout, done.stdout
