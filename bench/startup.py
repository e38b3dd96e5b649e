"""Cold starts and resets: process start to the first 200, and `POST /_emulator/reset` timed.

The ceiling app and the emulator are started the same way (a fresh process, pinned like the
load runs, polled every 5 ms until its health path answers 200), taking turns, so that both see
the same machine. The emulator starts on a fresh SQLite file (migrate + demo seed) and on one
already migrated and seeded. Resets are timed on the demo data and on a server whose seed file
holds the bench org with `reset_customers` customers: all of it, then that one org.
"""

import json
import time
from collections.abc import Callable
from pathlib import Path

from bench import servers, workload

StartServer = Callable[..., servers.Server]
RESET_BUDGET_S = 20.0
"""Repeats of one kind of reset stop once they have taken this long (at least one is timed)."""


def compile_emulator() -> None:
    """Write the emulator's bytecode, as installing a package does: the ceiling's libraries
    were compiled when pip installed them, while an editable install is compiled on import,
    and never written back where PYTHONDONTWRITEBYTECODE is set (~0.2 s of every start)."""
    import compileall

    import capillary_emulator

    compileall.compile_dir(Path(capillary_emulator.__file__).parent, quiet=1)


def cold_starts(
    start: StartServer, workdir: Path, runs: int, *, warm_up: bool = True
) -> tuple[dict[str, list[float]], servers.Server]:
    """`runs` rounds of: the ceiling, the emulator on a fresh file, the emulator on a seeded
    one. A first round, not counted, warms the page cache and makes the seeded file. The last
    seeded server is handed back running (the demo resets are timed on it)."""
    compile_emulator()
    found: dict[str, list[float]] = {"ceiling": [], "emulator, fresh": [], "emulator, seeded": []}
    seeded = workdir / "start-seeded.db"
    seeded_env = servers.emulator_env(f"sqlite:///{seeded}")
    last: servers.Server | None = None
    for i in range(runs + warm_up):
        fresh = workdir / f"start-{i}.db"
        kinds = [
            ("ceiling", servers.ceiling_command, {}),
            (
                "emulator, fresh",
                servers.emulator_command,
                servers.emulator_env(f"sqlite:///{fresh}"),
            ),
        ]
        if i:
            kinds.append(("emulator, seeded", servers.emulator_command, seeded_env))
        for label, command, env in kinds:
            if last:
                last.stop()
            last = start("ceiling-cold" if label == "ceiling" else "emulator-cold", command, env)
            if i >= warm_up:
                found[label].append(last.ready_after)
        if i == 0 and last:
            last.stop()
            last = None
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{fresh}{suffix}").exists():
                    Path(f"{fresh}{suffix}").rename(f"{seeded}{suffix}")
    if not found["emulator, seeded"]:  # one round and no warm-up: time the seeded file now
        last = start("emulator-cold", servers.emulator_command, seeded_env)
        found["emulator, seeded"].append(last.ready_after)
    assert last is not None
    return found, last


def time_resets(server: servers.Server, count: int, query: str = "") -> list[float]:
    timings: list[float] = []
    budget_end = time.monotonic() + RESET_BUDGET_S
    while len(timings) < count and (not timings or time.monotonic() < budget_end):
        started = time.perf_counter()
        status, body = servers.request(
            server.base_url, "POST", f"/_emulator/reset{query}", timeout=300
        )
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"reset{query} answered HTTP {status}: {str(body)[:300]}")
    return timings


def time_org_lifecycle(server: servers.Server, count: int) -> dict[str, list[float]]:
    """`POST /_emulator/orgs` (an empty body: the demo config, one program, a till) and
    `DELETE /_emulator/orgs/{orgId}` of what it made, `count` times each."""
    created: list[float] = []
    deleted: list[float] = []
    budget_end = time.monotonic() + RESET_BUDGET_S
    while len(created) < count and (not created or time.monotonic() < budget_end):
        started = time.perf_counter()
        status, body = servers.request(server.base_url, "POST", "/_emulator/orgs", {})
        created.append((time.perf_counter() - started) * 1000)
        if status != 201:
            raise RuntimeError(f"POST /_emulator/orgs answered HTTP {status}: {str(body)[:300]}")
        started = time.perf_counter()
        status, body = servers.request(
            server.base_url, "DELETE", f"/_emulator/orgs/{body['orgId']}"
        )
        deleted.append((time.perf_counter() - started) * 1000)
        if status != 204:
            raise RuntimeError(f"DELETE /_emulator/orgs answered HTTP {status}: {str(body)[:300]}")
    return {"`POST /_emulator/orgs`": created, "`DELETE /_emulator/orgs/{orgId}`": deleted}


def big_seed_resets(
    start: StartServer, workdir: Path, customers: int, count: int
) -> dict[str, list[float]]:
    """Resets on a server whose seed file is the bench org with `customers` customers."""
    seed_file = workdir / f"seed-{customers}.json"
    seed_file.write_text(json.dumps(workload.seed_document(customers)), encoding="utf-8")
    env = servers.emulator_env(
        f"sqlite:///{workdir / 'big-seed.db'}", CAPEMU_SEED_FILE=str(seed_file)
    )
    server = start("emulator-big-seed", servers.emulator_command, env, timeout=600)
    try:
        return {
            "big seed file, all": time_resets(server, count),
            "big seed file, one org": time_resets(server, count, f"?orgId={workload.ORG_ID}"),
        }
    finally:
        server.stop()
