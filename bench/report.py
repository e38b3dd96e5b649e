"""The results table: every figure as the median of its runs with the min-max spread, and every
target beside the figure it bounds (PASS / MISS, or n/a when its phase did not run)."""

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


@dataclass
class Target:
    name: str
    figure: str
    bound: str
    result: str
    """PASS, MISS or n/a."""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: list[float], digits: int = 0) -> str:
    if not values:
        return "-"
    text = f"{median(values):,.{digits}f}"
    if len(values) > 1:
        text += f" ({min(values):,.{digits}f}-{max(values):,.{digits}f})"
    return text


def _load(results: "Results", label: str, scenario: str, connections: int = 16) -> list[Any]:
    return results.load.get((label, scenario, connections), [])


def _rps(results: "Results", label: str, scenario: str, connections: int = 16) -> float | None:
    runs = _load(results, label, scenario, connections)
    return median([r.rps for r in runs]) if runs else None


def _p99(results: "Results", label: str, scenario: str, connections: int = 16) -> float | None:
    runs = _load(results, label, scenario, connections)
    return median([r.p99_ms for r in runs]) if runs else None


def targets(results: "Results") -> list[Target]:
    judged = results.profile.name != "smoke"

    def _verdict(ok: bool) -> str:
        if not judged:
            return "n/a (smoke)"
        return "PASS" if ok else "MISS"

    found: list[Target] = []
    ceiling_post = _rps(results, "ceiling", "ceilingPost")
    transfer = _rps(results, "emulator (SQLite)", "transfer")
    if ceiling_post and transfer is not None:
        ratio = transfer / ceiling_post
        figure = f"{ratio:.0%} ({transfer:,.0f} / {ceiling_post:,.0f} req/s)"
        found.append(
            Target("Transfer throughput vs ceiling POST", figure, ">= 50%", _verdict(ratio >= 0.5))
        )
    else:
        found.append(Target("Transfer throughput vs ceiling POST", "-", ">= 50%", "n/a"))

    ceiling_p99 = _p99(results, "ceiling", "ceilingPost")
    transfer_p99 = _p99(results, "emulator (SQLite)", "transfer")
    if ceiling_p99 and transfer_p99 is not None:
        ratio = transfer_p99 / ceiling_p99
        figure = f"{ratio:.1f}x ({transfer_p99:.1f} / {ceiling_p99:.1f} ms)"
        found.append(
            Target(
                "Transfer p99 at 16 connections vs ceiling p99",
                figure,
                "<= 3x",
                _verdict(ratio <= 3),
            )
        )
    else:
        found.append(Target("Transfer p99 at 16 connections vs ceiling p99", "-", "<= 3x", "n/a"))

    one = _rps(results, "emulator (Postgres, 1w)", "transfer")
    two = _rps(results, "emulator (Postgres, 2w)", "transfer")
    audits = [v for k, v in results.audits.items() if k.startswith("Postgres")]
    if one and two is not None:
        ratio = two / one
        audit_text = "audit ok" if audits and all(audits) else "AUDIT NOT OK"
        figure = f"{ratio:.2f}x ({two:,.0f} / {one:,.0f} req/s), {audit_text}"
        found.append(
            Target(
                "Postgres transfers, 2 workers vs 1",
                figure,
                ">= 1.6x, audit ok",
                _verdict(ratio >= 1.6 and bool(audits) and all(audits)),
            )
        )
    else:
        found.append(Target("Postgres transfers, 2 workers vs 1", "-", ">= 1.6x, audit ok", "n/a"))

    ceiling_get = _rps(results, "ceiling", "ceilingGet")
    ledger_info = _rps(results, "emulator (SQLite)", "ledgerInfo")
    if ceiling_get and ledger_info is not None:
        ratio = ledger_info / ceiling_get
        figure = f"{ratio:.0%} ({ledger_info:,.0f} / {ceiling_get:,.0f} req/s)"
        found.append(
            Target(
                "Ledger info throughput vs ceiling GET", figure, ">= 50%", _verdict(ratio >= 0.5)
            )
        )
    else:
        found.append(Target("Ledger info throughput vs ceiling GET", "-", ">= 50%", "n/a"))

    ledger_targets = (results.ledger or {}).get("targets")
    if ledger_targets:
        for item in ledger_targets:
            found.append(
                Target(
                    str(item.get("name", "ledger")),
                    str(item.get("figure", "-")),
                    str(item.get("bound", "")),
                    str(item.get("result", "n/a")),
                )
            )
    else:
        found.append(Target("Ledger at 1M rows vs 1k rows (bench.ledger)", "-", ">= 90%", "n/a"))
        found.append(
            Target("Ledger single-client p99 at 1M rows (bench.ledger)", "-", "< 5 ms", "n/a")
        )

    for label, values in results.cold_start.items():
        if values:
            m = median(values)
            found.append(
                Target(
                    f"Cold start to healthy, {label}", f"{m:.2f} s", "< 1.5 s", _verdict(m < 1.5)
                )
            )
    if not results.cold_start:
        found.append(Target("Cold start to healthy", "-", "< 1.5 s", "n/a"))

    resets = results.reset_ms.get("demo data on SQLite", [])
    if resets:
        m = median(resets)
        found.append(Target("Reset of the demo data", f"{m:.0f} ms", "< 100 ms", _verdict(m < 100)))
    else:
        found.append(Target("Reset of the demo data", "-", "< 100 ms", "n/a"))

    emulator_rss = {k: v for k, v in results.rss_mb.items() if k.startswith("emulator") and v}
    if emulator_rss:
        worst = max(max(v) for v in emulator_rss.values())
        found.append(
            Target(
                "Peak RSS per emulator worker",
                f"{worst:.0f} MB (max of all)",
                "< 200 MB",
                _verdict(worst < 200),
            )
        )
    else:
        found.append(Target("Peak RSS per emulator worker", "-", "< 200 MB", "n/a"))
    return found


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
        "## Targets",
        "",
        "| Target | Figure | Bound | Result |",
        "| --- | --- | --- | --- |",
    ]
    for t in targets(results):
        lines.append(f"| {t.name} | {t.figure} | {t.bound} | {t.result} |")

    lines += [
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

    lines += [
        "",
        "## Start, reset, seed, memory",
        "",
        "| Figure | Median | Runs (min-max) |",
        "| --- | ---: | --- |",
    ]
    for label, values in results.cold_start.items():
        lines.append(
            f"| Cold start of `capillary-emulator serve` to healthy, {label} "
            f"| {median(values):.2f} s | {len(values)} ({min(values):.2f}-{max(values):.2f} s) |"
        )
    for label, values in results.reset_ms.items():
        lines.append(
            f"| `POST /_emulator/reset`, {label} | {median(values):.0f} ms "
            f"| {len(values)} ({min(values):.0f}-{max(values):.0f} ms) |"
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
    for label, ok in results.audits.items():
        lines.append(
            f"| `GET /_emulator/audit` after the load, {label} | {'ok' if ok else 'NOT OK'} | |"
        )

    if results.statements:
        lines += [
            "",
            "## SQL statements per request (in-process, SQLite)",
            "",
            "| Request | Statements |",
            "| --- | ---: |",
        ]
        for name, count in results.statements.get("per_request", {}).items():
            lines.append(f"| {SCENARIO_TEXT.get(name, name)} | {count:g} |")

    lines += ["", "## Ledger at scale (python -m bench.ledger)", ""]
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
