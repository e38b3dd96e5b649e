"""`EmulatorServer`: `capillary-emulator serve` as a child process on a free port, for a test
session (the pytest plugin's `capillary_emulator` fixture) or any script."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from capillary_emulator.testing.client import Emulator

PORT_ATTEMPTS = 3
"""A free port can be taken by someone else between our look and the server's bind (xdist
workers start together); the server then exits at once and we try another."""


def serve_command() -> list[str]:
    """The console script of the running interpreter's environment (a virtualenv's bin/)."""
    beside = Path(sys.executable).parent / "capillary-emulator"
    if beside.exists():
        return [str(beside), "serve"]
    found = shutil.which("capillary-emulator")
    if found:
        return [found, "serve"]
    return [sys.executable, "-c", "import sys; from capillary_emulator.cli import main;"
            " sys.exit(main())", "serve"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmulatorServer:
    """A served emulator on 127.0.0.1, on a fresh SQLite file in a temporary directory unless
    `database_url` is given; `start()` returns once it is healthy, `stop()` ends it and removes
    the temporary files.

    >>> with EmulatorServer() as server:
    ...     org = server.emulator.create_org()
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        env: dict[str, str] | None = None,
        startup_timeout: float = 120,
    ) -> None:
        self.database_url = database_url
        self.extra_env = env or {}
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self._directory: str | None = None
        self._emulator: Emulator | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def emulator(self) -> Emulator:
        if self._emulator is None:
            raise RuntimeError("the server is not started")
        return self._emulator

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Emulator:
        if self.database_url is None:
            self._directory = tempfile.mkdtemp(prefix="capillary-emulator-")
            database_url = f"sqlite:///{Path(self._directory) / 'emulator.db'}"
        else:
            database_url = self.database_url
        env = {
            **os.environ,
            "CAPEMU_LOG_LEVEL": "warning",
            **self.extra_env,
            "CAPEMU_DATABASE_URL": database_url,
        }
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port()
            self.process = subprocess.Popen(
                [*serve_command(), "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            emulator = Emulator(self.base_url, admin_token=env.get("CAPEMU_ADMIN_TOKEN"))
            if self._wait_healthy(emulator):
                self._emulator = emulator
                return emulator
            emulator.close()
        stderr = self.process.stderr.read().decode() if self.process and self.process.stderr else ""
        self.stop()
        raise RuntimeError(f"capillary-emulator serve did not start: {stderr.strip()}")

    def _wait_healthy(self, emulator: Emulator) -> bool:
        """True once healthy; False if the process ended (a port taken: try another)."""
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if emulator.health().status == "ok":
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"capillary-emulator serve not healthy after {self.startup_timeout} s")

    def stop(self) -> None:
        if self._emulator is not None:
            self._emulator.close()
            self._emulator = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
