"""The results table: every figure as the median of its runs with the min-max spread, and every
target beside the figure it bounds (PASS / MISS, or n/a when its phase did not run)."""

import statistics
from pathlib import Path
from typing import TYPE_CHECKING

from bench.endpoints import TITLES
from bench.targets import Target, other_checks, targets

if TYPE_CHECKING:
    from bench.run import Results

README_BEGIN = "<!-- bench:latest:begin -->"
README_END = "<!-- bench:latest:end -->"

SCENARIO_TEXT = {
    "ceilingPost": "POST ~300 B JSON -> ~1 KB response_model",
    "ceilingGet": "GET -> ~1 KB response_model",
    "transfer": "POST /v2/points/transfer (random pairs)",
    "isTransferrable": "POST /v2/points/isTransferrable",
    "history": "GET /v2/points/transfer (history)",
    "ledgerInfo": "GET /v2/pointsLedger/getCustomerLedgerInfo",
}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: list[float], digits: int = 0) -> str:
    if not values:
        return "-"
    text = f"{median(values):,.{digits}f}"
    if len(values) > 1:
        text += f" ({min(values):,.{digits}f}-{max(values):,.{digits}f})"
    return text


def failed(results: "Results") -> list[str]:
    problems = list(results.failures)
    for (label, scenario, connections), runs in results.load.items():
        errors = sum(r.errors for r in runs)
        if errors:
            short = sum(r.insufficient for r in runs)
            extra = f" ({short} of them 804 insufficient points)" if short else ""
            sample = next((r.sample_error for r in runs if r.sample_error), "")
            problems.append(
                f"{label} {scenario} c{connections}: {errors} errors{extra}; first: {sample[:200]}"
            )
    problems.extend(f"audit on {k} not ok" for k, ok in results.audits.items() if not ok)
    return problems


def missed(results: "Results") -> list[str]:
    return [t.name for t in targets(results) if t.result == "MISS"]


def _target_rows(rows: list[Target]) -> list[str]:
    lines = ["| Target | Figure | Bound | Result |", "| --- | --- | --- | --- |"]
    return lines + [f"| {t.name} | {t.figure} | {t.bound} | {t.result} |" for t in rows]


def render(results: "Results", *, ledger_details: bool = True) -> str:
    """The whole report; without `ledger_details` bench.ledger's own tables are left out (the
    README has them in its "Ledger at scale" section)."""
    p = results.profile
    lines = [
        f"# Benchmark {results.started:%Y-%m-%d %H:%M} ({p.name})",
        "",
        f"- Each figure: median of {p.runs} run{'s' if p.runs > 1 else ''} of {p.seconds:g} s"
        + (" (min-max spread in brackets)" if p.runs > 1 else "")
        + f"; {p.customers:,} customers in the bench org.",
        f"- Load generator: {results.generator}; {results.layout}.",
        f"- Harness wall time: {results.elapsed:.0f} s.",
        "",
        "## Targets (issue 11)",
        "",
        *_target_rows(targets(results)),
        "",
        "## Other checks",
        "",
        *_target_rows(other_checks(results)),
        *_load_section(results),
        *_postgres_section(results),
        *_start_section(results),
        *_statements_section(results),
        "",
        "## Ledger at scale (python -m bench.ledger)",
        "",
    ]
    if results.ledger is not None and not ledger_details:
        lines.append('Its targets are in the table above; its tables are under "Ledger at scale".')
    elif results.ledger is not None:
        markdown = results.ledger.get("markdown")
        lines.append(markdown.strip() if isinstance(markdown, str) else "(no table reported)")
    else:
        lines.append(f"Not measured: {results.ledger_note or 'skipped or failed'}.")

    problems = failed(results)
    if problems or results.notes:
        lines += ["", "## Problems and notes", ""]
        lines += [f"- FAILED: {x}" for x in problems]
        lines += [f"- {x}" for x in results.notes]
    return "\n".join(lines) + "\n"


def _load_section(results: "Results") -> list[str]:
    lines = [
        "",
        "## Throughput and latency",
        "",
        "Errors: non-2xx answers and 2xx answers with a non-empty `errors` array. CPU: cores in "
        "use on average (1.0 = one core busy) by the server's processes and by the generator.",
        "",
        "| Server | Scenario | Conns | req/s | p50 ms | p99 ms | Errors | Server CPU "
        "| Loadgen CPU |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (label, scenario, connections), runs in results.load.items():
        lines.append(
            f"| {label} | {SCENARIO_TEXT.get(scenario, scenario)} | {connections} "
            f"| {spread([r.rps for r in runs])} "
            f"| {spread([r.p50_ms for r in runs], 2)} "
            f"| {spread([r.p99_ms for r in runs], 2)} "
            f"| {sum(r.errors for r in runs)} "
            f"| {median([r.server_cpu for r in runs]):.2f} "
            f"| {median([r.loadgen_cpu for r in runs]):.2f} |"
        )
    return lines


def _postgres_section(results: "Results") -> list[str]:
    """Each Postgres run: where the cores went and what the backends waited on."""
    if not results.pg_waits:
        return []
    lines = [
        "",
        "## Postgres runs: CPU and waits",
        "",
        "Sampled from `pg_stat_activity` every 20 ms (the database's client backends). CPU in "
        "cores: the emulator's workers, their Postgres backends, wrk, and other processes (the "
        "machine's busy time less those three). Lock: share of samples with a backend waiting "
        "on a heavyweight lock. Idle in tx: backends inside a transaction waiting for the app, "
        "per sample.",
        "",
        "| Workers | Run | req/s | Workers CPU | Backends CPU | wrk CPU | Other CPU | Machine "
        "| Lock | Idle in tx | Top waits |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for workers, samples in sorted(results.pg_waits.items()):
        runs = results.load.get((f"emulator (Postgres, {workers}w)", "transfer", 16), [])
        for i, (sample, run) in enumerate(zip(samples, runs, strict=False), 1):
            lines.append(
                f"| {workers} | {i} | {run.rps:,.0f} | {run.server_cpu:.2f} "
                f"| {sample.backend_cpu:.2f} | {run.loadgen_cpu:.2f} | {sample.others:.2f} "
                f"| {sample.machine_cpu:.2f} / {sample.cores} | {sample.lock_share:.1%} "
                f"| {sample.per_sample(sample.idle_in_transaction):.2f} "
                f"| {sample.top_events() or '-'} |"
            )
    return lines


def _start_section(results: "Results") -> list[str]:
    p = results.profile
    lines = [
        "",
        "## Start, reset, seed, memory",
        "",
        "| Figure | Median | Runs (min-max) |",
        "| --- | ---: | --- |",
    ]
    for label, values in results.cold_start.items():
        if values:
            lines.append(
                f"| Cold start (process start to the first 200), {label} "
                f"| {median(values):.2f} s "
                f"| {len(values)} ({min(values):.2f}-{max(values):.2f} s) |"
            )
    for label, values in results.reset_ms.items():
        if label.startswith("big seed file"):
            label = label.replace("big seed file", f"seed file of {p.reset_customers:,} customers")
        lines.append(
            f"| `POST /_emulator/reset`, {label} | {median(values):,.0f} ms "
            f"| {len(values)} ({min(values):,.0f}-{max(values):,.0f} ms) |"
        )
    for label, values in results.org_ms.items():
        lines.append(
            f"| {label}, an empty org on the demo data (target < 20 ms) | {median(values):,.1f} ms "
            f"| {len(values)} ({min(values):,.1f}-{max(values):,.1f} ms) |"
        )
    for label, seconds in results.seed_seconds.items():
        per = seconds / p.customers * 1000 if p.customers else 0
        lines.append(
            f"| `POST /_emulator/seed` of {p.customers:,} customers, {label} "
            f"| {seconds:.1f} s | 1 ({per:.2f} ms per customer) |"
        )
    for label, values in results.rss_mb.items():
        per_worker = ", ".join(f"{v:.0f}" for v in values)
        lines.append(
            f"| Peak RSS (VmHWM) per worker, {label} | {max(values):.0f} MB "
            f"| workers: {per_worker} MB |"
        )
    return lines


def _statements_section(results: "Results") -> list[str]:
    if not results.statements:
        return []
    lines = [
        "",
        "## SQL statements per request (in-process, SQLite, `bench.profile_transfer`)",
        "",
        "Every Capillary endpoint the emulator serves (`bench/endpoints.py`); on SQLite the "
        "`BEGIN IMMEDIATE` of a writing request counts as one.",
        "",
        "| Request | Statements |",
        "| --- | ---: |",
    ]
    for name, count in results.statements.get("per_request", {}).items():
        lines.append(f"| {TITLES.get(name, name)} | {count:g} |")
    return lines


def update_readme(readme: Path, table: str) -> None:
    """Replace the latest table between the README's markers (nothing else is touched)."""
    if not readme.exists():
        return
    text = readme.read_text(encoding="utf-8")
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        return
    body = table.replace("# Benchmark", "### Latest full run:", 1).replace("\n## ", "\n#### ")
    readme.write_text(
        text[: begin + len(README_BEGIN)] + "\n" + body + text[end:], encoding="utf-8"
    )
