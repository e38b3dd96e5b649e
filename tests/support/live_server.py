"""`capillary-emulator serve` as a real process over HTTP, for the tests marked `live`."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVE_COMMAND = ["capillary-emulator", "serve"]
"""The start command of the docker image and compose file; live servers run exactly this."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`capillary-emulator serve` as a real process over HTTP."""

    def __init__(
        self,
        database_url: str,
        workers: int = 1,
        env: dict[str, str] | None = None,
        *,
        flags: bool = True,
    ):
        """`flags=False`: host, port and workers reach `serve` through the environment
        (CAPEMU_HOST, CAPEMU_PORT, CAPEMU_WORKERS) instead of its command-line flags."""
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CAPEMU_DATABASE_URL": database_url,
            "CAPEMU_LOG_LEVEL": "warning",
            **(env or {}),
        }
        self.workers = workers
        self.flags = flags
        if not flags:
            self.env |= {
                "CAPEMU_HOST": "127.0.0.1",
                "CAPEMU_PORT": str(self.port),
                "CAPEMU_WORKERS": str(workers),
            }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> "LiveServer":
        executable = str(Path(sys.executable).parent / SERVE_COMMAND[0])
        flags = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(
            [executable, *SERVE_COMMAND[1:], *(flags if self.flags else [])],
            env=self.env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        token = self.env.get("CAPEMU_ADMIN_TOKEN")
        headers = {"X-CAPEMU-ADMIN-TOKEN": token} if token else {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            try:
                if (
                    httpx.get(
                        self.base_url + "/_emulator/health", headers=headers, timeout=1
                    ).status_code
                    == 200
                ):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("emulator did not become healthy")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)
