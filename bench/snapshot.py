"""Snapshot export and restore over HTTP: `python -m bench.snapshot [--postgres URL]`.

Starts `capillary-emulator serve` (one worker) on a fresh SQLite file, or on the Postgres
database given; times GET /_emulator/snapshot and POST /_emulator/snapshot (after a reset) for
the demo data, then again with `bench.workload.seed_document(N)` (5,000 customers) added.
Best of 3 each, wall clock as the client sees it, document size in bytes.
"""

import argparse
import http.client
import json
import tempfile
import time
from pathlib import Path

from bench import servers
from bench.workload import seed_document

ROUNDS = 3


def _call(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _measure(port: int, label: str) -> None:
    exports, restores = [], []
    size = 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        status, document = _call(port, "GET", "/_emulator/snapshot")
        exports.append(time.perf_counter() - started)
        assert status == 200, document[:300]
        size = len(document)
        status, body = _call(port, "POST", "/_emulator/reset")
        assert status == 200, body[:300]
        started = time.perf_counter()
        status, body = _call(port, "POST", "/_emulator/snapshot", document)
        restores.append(time.perf_counter() - started)
        assert status == 200, body[:300]
    rows = sum(json.loads(body)["rows"].values())
    print(
        f"{label}: {rows} rows, {size / 1e6:.2f} MB; export {min(exports) * 1000:.0f} ms, "
        f"restore {min(restores) * 1000:.0f} ms (best of {ROUNDS})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=None, help="a Postgres URL (default: SQLite)")
    parser.add_argument("--customers", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        url = args.postgres or f"sqlite:///{Path(work) / 'snapshot.db'}"
        port = servers.free_port()
        server = servers.start(
            "snapshot",
            servers.emulator_command(port),
            env=servers.emulator_env(url, CAPEMU_MAX_BODY_BYTES=str(64 * 1024 * 1024)),
            health_path="/_emulator/health",
            port=port,
            log_dir=Path(work),
        )
        try:
            server.wait_healthy(timeout=120)
            kind = "Postgres" if args.postgres else "SQLite"
            _measure(port, f"{kind}, demo data")
            status, body = _call(
                port, "POST", "/_emulator/seed", json.dumps(seed_document(args.customers)).encode()
            )
            assert status == 200, body[:300]
            _measure(port, f"{kind}, demo data + {args.customers} customers")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
