"""The emulator as another project installs it: a wheel built from the sources, installed into a
fresh virtualenv outside the checkout (third-party packages from the package index, nothing
from the checkout or from this virtualenv), then `capillary-emulator serve` and the pytest
plugin (a test project with `pytest -n 2`) run from there."""

import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import PROJECT_ROOT
from tests.support.live_server import _free_port
from tests.support.plugin_project import run_project, write_project

pytestmark = pytest.mark.live

SOURCES = ["pyproject.toml", "README.md", "alembic.ini", "src", "migrations"]
"""What a `git+` install or an sdist would hold of the checkout (no tests, no .venv)."""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    outside: Path
    """A directory outside the checkout, the working directory of whatever runs there."""

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env = {k: v for k, v in env.items() if not k.startswith(("CAPEMU_", "PYTEST"))}
        return {**env, "PATH": f"{self.venv / 'bin'}:{env.get('PATH', '')}", **extra}


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in SOURCES:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    dist = root / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)])
    (wheel,) = dist.glob("capillary_emulator-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    _run([*pip, "install", "-q", "--no-compile", str(wheel), "pytest", "pytest-xdist"])
    outside = root / "elsewhere"
    outside.mkdir()
    yield Installed(wheel, venv, outside)


class TestWheel:
    def test_carries_every_migration(self, installed):
        names = set(zipfile.ZipFile(installed.wheel).namelist())
        for script in (PROJECT_ROOT / "migrations").rglob("*.py"):
            relative = script.relative_to(PROJECT_ROOT).as_posix()
            assert f"capillary_emulator/{relative}" in names
        assert "capillary_emulator/migrations/script.py.mako" in names

    def test_imports_from_the_virtualenv_not_the_checkout(self, installed):
        where = "import capillary_emulator; print(capillary_emulator.__file__)"
        done = _run(
            [installed.bin("python"), "-c", where], cwd=installed.outside, env=installed.env()
        )
        location = Path(done.stdout.strip())
        assert location.is_relative_to(installed.venv)
        assert not location.resolve().is_relative_to(PROJECT_ROOT)


class TestServeFromTheWheel:
    def test_migrates_seeds_and_answers(self, installed):
        port = _free_port()
        database = installed.outside / "served.db"
        env = installed.env(CAPEMU_DATABASE_URL=f"sqlite:///{database}", CAPEMU_LOG_LEVEL="warning")
        process = subprocess.Popen(
            [installed.bin("capillary-emulator"), "serve", "--port", str(port)],
            cwd=installed.outside,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            health = _wait_healthy(f"http://127.0.0.1:{port}", process)
            assert health == {"status": "ok"}
            audit = httpx.get(f"http://127.0.0.1:{port}/_emulator/audit").json()
            assert audit["ok"] is True
        finally:
            process.terminate()
            process.wait(timeout=15)
        assert database.exists()


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes]) -> object:
    for _ in range(600):
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            answer = httpx.get(base_url + "/_emulator/health", timeout=1)
            if answer.status_code == 200:
                return answer.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the emulator served from the wheel did not become healthy")


class TestPluginFromTheWheel:
    def test_a_project_runs_the_fixtures_with_two_workers(self, installed):
        project = write_project(installed.outside / "project")
        done = run_project(
            installed.bin("python"),
            project,
            "-n",
            "2",
            "test_readme_example.py",
            "test_isolation.py",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "4 passed" in done.stdout
