#!/usr/bin/env python3
"""Writes table.md of `benchmarks/run.sh http` from the files scenarios.sh left in its output dir.

    python3 benchmarks/http/table.py benchmarks/results/http-<time>

Reads results.jsonl (one wrk measurement per line), cold.tsv (first request of each server),
machine.txt and, when present, chained-load.md. Per scenario: plain and ours throughput, p50 and
p99 per run, the ratios ours / plain of each run, their median and spread, and the targets.
Standard-library Python only.
"""

import json
import statistics
import sys
from pathlib import Path

THROUGHPUT_TARGET = 0.95  # ours / plain requests per second, at least
P99_TARGET = 1.10  # ours / plain p99 latency, at most

TITLES = {
    "netty": "Reactor Netty `HttpServer`: plain handler against `GoContextHttpServer.handler`",
    "webflux": "WebFlux `HttpHandler` (`WebHttpHandlerBuilder`, no Boot): plain against `GoContextWebFilter`",
    "starter": "Boot WebFlux application: plain against `context-spring-boot-starter`",
}


def rps(wrk):
    return wrk["requests"] / (wrk["duration_us"] / 1e6)


def cpu_us_per_request(result):
    """Server CPU time (user + system) per request of the measurement, in microseconds."""
    return result["server_cpu_s"] * 1e6 / result["wrk"]["requests"]


def errors(wrk):
    """Non-2xx/3xx responses plus socket errors; wrk counts a response >= 400 as a status error."""
    return sum(wrk[k] for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts"))


def spread(values):
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def verdict(median, target, at_least, invalid):
    if invalid:
        return "invalid (errors)"
    ok = median >= target if at_least else median <= target
    return "met" if ok else "**not met**"


def scenario_section(name, rows):
    """rows: run -> variant -> result line. Returns (markdown lines, summary row)."""
    lines = [f"### {name}: {TITLES.get(name, name)}", ""]
    lines.append(
        "| run | order | plain req/s | ours req/s | req/s ours/plain | plain p50 ms | ours p50 ms "
        "| plain p99 ms | ours p99 ms | p99 ours/plain | server CPU µs/req plain / ours | CPU ours/plain "
        "| errors plain / ours |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    throughput, p99, cpu = [], [], []
    invalid = False
    for run in sorted(rows):
        by = rows[run]
        if set(by) != {"plain", "ours"}:
            lines.append(f"| {run} | incomplete: only {', '.join(sorted(by))} | | | | | | | | | | | |")
            continue
        plain, ours = by["plain"]["wrk"], by["ours"]["wrk"]
        t = rps(ours) / rps(plain)
        p = ours["p99_us"] / plain["p99_us"]
        c_plain, c_ours = cpu_us_per_request(by["plain"]), cpu_us_per_request(by["ours"])
        throughput.append(t)
        p99.append(p)
        cpu.append(c_ours / c_plain)
        invalid |= errors(plain) > 0 or errors(ours) > 0
        lines.append(
            f"| {run} | {by['plain']['order'].replace(',', ', ')} | {rps(plain):,.0f} | {rps(ours):,.0f} | {t:.3f} "
            f"| {plain['p50_us'] / 1000:.2f} | {ours['p50_us'] / 1000:.2f} "
            f"| {plain['p99_us'] / 1000:.2f} | {ours['p99_us'] / 1000:.2f} | {p:.3f} "
            f"| {c_plain:.1f} / {c_ours:.1f} | {c_ours / c_plain:.3f} | {errors(plain)} / {errors(ours)} |"
        )
    lines.append("")
    if not throughput:
        return lines, f"| {name} | n/a | | n/a | | n/a |"
    t_med, p_med = statistics.median(throughput), statistics.median(p99)
    summary = (
        f"| {name} | {spread(throughput)} | {verdict(t_med, THROUGHPUT_TARGET, True, invalid)} "
        f"| {spread(p99)} | {verdict(p_med, P99_TARGET, False, invalid)} | {spread(cpu)} |"
    )
    return lines, summary


def cold_section(out):
    path = out / "cold.tsv"
    if not path.exists():
        return []
    by = {}
    for line in path.read_text().splitlines()[1:]:
        scenario, variant, run, startup, first = line.split("\t")
        by.setdefault((scenario, variant), []).append((int(run), float(startup), float(first)))
    if not by:
        return []
    lines = [
        "### First request after start (cold)",
        "",
        "Each server is a fresh JVM: the time from the launch until its port listens, then the time of "
        "its very first `GET /hello` (curl, new connection), per run.",
        "",
        "| scenario | variant | listening after s (per run) | first request ms (per run) | first request ms, median |",
        "|---|---|---|---|---:|",
    ]
    for (scenario, variant), shots in by.items():
        shots.sort()
        lines.append(
            f"| {scenario} | {variant} | {', '.join(f'{s:.2f}' for _, s, _ in shots)} "
            f"| {', '.join(f'{f:.1f}' for _, _, f in shots)} | {statistics.median(f for _, _, f in shots):.1f} |"
        )
    lines.append("")
    return lines


def main(out):
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]
    scenarios = {}
    for r in results:
        scenarios.setdefault(r["scenario"], {}).setdefault(r["run"], {})[r["variant"]] = r
    machine = (out / "machine.txt").read_text().strip().splitlines() if (out / "machine.txt").exists() else []

    md = [
        "## HTTP (wrk)",
        "",
        "wrk and the server run on the same host and share its cores (see nproc below): absolute "
        "numbers depend on that host and its load, so each ratio compares ours with plain measured in "
        "the same run, one after the other (plain first in odd runs, ours first in even runs). "
        f"Targets: throughput at least {THROUGHPUT_TARGET}× plain, p99 at most {P99_TARGET:.2f}× plain, "
        "judged on the median ratio. The server's CPU time per request (user + system, over the "
        "measurement) is less sensitive to the load of the host than throughput: no target, a cross-check.",
        "",
        "```",
        *machine,
        "```",
        "",
    ]
    sections, summaries = [], []
    for name, rows in scenarios.items():
        lines, summary = scenario_section(name, rows)
        sections += lines
        summaries.append(summary)
    if summaries:
        md += [
            "| scenario | req/s ours/plain, median (min–max) | ≥ 0.95 | p99 ours/plain, median (min–max) | ≤ 1.10 "
            "| server CPU per request ours/plain, median (min–max) |",
            "|---|---|---|---|---|---|",
            *summaries,
            "",
        ]
    md += sections
    md += cold_section(out)
    chained = out / "chained-load.md"
    if chained.exists():
        md += [chained.read_text().rstrip(), ""]
    (out / "table.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit("usage: table.py <results dir of benchmarks/run.sh http>")
    main(Path(sys.argv[1]))
