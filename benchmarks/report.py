#!/usr/bin/env python3
"""Turns one benchmark run into one table of ratios (ours / peer, same run) and an SVG chart.

Reads, from the results folder given as the only argument:
  jmh.json       JMH's JSON result (run with -prof gc, for B/op)
  go-bench.txt   `go test -bench` output (-benchmem), optional
  mains.txt      RESULT lines of the plain mains (FootprintMain, LatencyMain, go/timers)
Writes table.md (the table, as Markdown) and ratios.svg (the chart) there, and prints the table.
Standard library only.
"""

import json
import math
import re
import statistics
import sys
from pathlib import Path

JMH_PREFIX = "dev.gocontext.benchmarks."

# Time units JMH may report, in nanoseconds per operation.
TIME_UNITS = {"ns/op": 1.0, "us/op": 1e3, "ms/op": 1e6, "s/op": 1e9}
# Throughput units, in operations per nanosecond.
RATE_UNITS = {"ops/ns": 1.0, "ops/us": 1e-3, "ops/ms": 1e-6, "ops/s": 1e-9}


def load_jmh(path):
    """{short benchmark name: {"ns": ns per op, "B": bytes per op}}."""
    out = {}
    if not path.exists():
        return out
    for entry in json.loads(path.read_text()):
        name = entry["benchmark"].removeprefix(JMH_PREFIX)
        metric = entry["primaryMetric"]
        unit = metric["scoreUnit"]
        score = metric["score"]
        if entry["mode"] == "ss":
            # single shots: one GC pause or scheduler hiccup dominates a mean; take the median
            score = statistics.median(v for fork in metric["rawData"] for v in fork)
        if unit in TIME_UNITS:
            ns = score * TIME_UNITS[unit]
        elif unit in RATE_UNITS:
            # throughput of all threads together: aggregate time per operation
            ns = 1.0 / (score * RATE_UNITS[unit])
        else:
            raise SystemExit(f"unknown JMH unit {unit} in {name}")
        values = {"ns": ns}
        norm = entry.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        if norm is not None:
            values["B"] = norm["score"]
        out[name] = values
    return out


# Go prints a -N suffix when GOMAXPROCS is N > 1: "SharedParent-2" is the 2-CPU run.
GO_LINE = re.compile(r"^Benchmark(\S+)\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?")


def load_go(path):
    """{benchmark name without "Benchmark", with its -N suffix if any: {"ns": median, "B": median}}."""
    samples = {}
    if not path.exists():
        return {}
    for line in path.read_text().splitlines():
        m = GO_LINE.match(line.strip())
        if m:
            s = samples.setdefault(m.group(1), {"ns": [], "B": []})
            s["ns"].append(float(m.group(2)))
            if m.group(3) is not None:
                s["B"].append(float(m.group(3)))
    return {k: {u: statistics.median(v) for u, v in s.items() if v} for k, s in samples.items()}


def load_mains(path):
    """{RESULT name: value}; the last line of a name wins."""
    out = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "RESULT":
            out[parts[1]] = float(parts[2])
    return out


class Run:
    def __init__(self, folder):
        self.jmh = load_jmh(folder / "jmh.json")
        self.go = load_go(folder / "go-bench.txt")
        self.mains = load_mains(folder / "mains.txt")

    def get(self, ref):
        """A value by reference: ("jmh", name, "ns"|"B"), ("go", name, "ns"|"B"), ("main", name)."""
        source = ref[0]
        if source == "jmh":
            return self.jmh.get(ref[1], {}).get(ref[2])
        if source == "go":
            return self.go.get(ref[1], {}).get(ref[2])
        if source == "main":
            return self.mains.get(ref[1])
        raise ValueError(ref)


def jmh(name, unit="ns"):
    return ("jmh", name, unit)


def go(name, unit="ns"):
    """A Go benchmark run with -cpu 2 (run.sh), which Go prints as the suffix -2."""
    return ("go", name + "-2", unit)


def main_result(name):
    return ("main", name)


# One row per comparison. kind "ratio": ours / peer, target is the highest ratio that meets it.
# kind "abs": ours alone against an absolute limit (peer shown for context when there is one).
# target None: shown for context, no target.
ROWS = [
    # (scenario, measure, ours, peer label, peer, kind, target, unit)
    ("withCancel + cancel under a live parent", "time", jmh("CancelBench.ours"), "Go", go("Cancel"), "ratio", 0.5, "ns"),
    ("withCancel + cancel under a live parent", "time", jmh("CancelBench.ours"), "grpc +listener", jmh("CancelBench.grpcListener"), "ratio", 0.5, "ns"),
    ("withCancel + cancel under a live parent", "bytes", jmh("CancelBench.ours", "B"), "Go", go("Cancel", "B"), "abs", 80, "B"),
    ("withCancel + cancel under a live parent", "time", jmh("CancelBench.ours"), "grpc lazy (no listener)", jmh("CancelBench.grpcLazy"), "ratio", None, "ns"),
    ("withTimeout(1h) + cancel", "time", jmh("TimeoutBench.ours"), "Go", go("Timeout"), "ratio", 0.5, "ns"),
    ("withTimeout(1h) + cancel", "time", jmh("TimeoutBench.ours"), "grpc withDeadlineAfter", jmh("TimeoutBench.grpc"), "ratio", 0.5, "ns"),
    ("err() on a live ctx, depth 1", "time", jmh("DoneCheckBench.oursErrDepth1"), "Go", go("ErrDepth1"), "abs", 2.0, "ns"),
    ("err() on a live ctx, depth 4", "time", jmh("DoneCheckBench.oursErrDepth4"), "Go", go("ErrDepth4"), "abs", 2.0, "ns"),
    ("err() on a live ctx, depth 1", "time", jmh("DoneCheckBench.oursErrDepth1"), "JMH floor (return a volatile field)", jmh("DoneCheckBench.floor"), "ratio", None, "ns"),
    ("err() on a live ctx, depth 4", "time", jmh("DoneCheckBench.oursErrDepth4"), "grpc cancellationCause()", jmh("DoneCheckBench.grpcErrDepth4"), "ratio", None, "ns"),
    ("err() flat with depth", "time", jmh("DoneCheckBench.oursErrDepth4"), "ours at depth 1", jmh("DoneCheckBench.oursErrDepth1"), "ratio", 1.5, "ns"),
    ("isDone() on a live ctx, depth 1", "time", jmh("DoneCheckBench.oursIsDoneDepth1"), "Go", go("DoneDepth1"), "abs", 2.0, "ns"),
    ("isDone() on a live ctx, depth 4", "time", jmh("DoneCheckBench.oursIsDoneDepth4"), "Go", go("DoneDepth4"), "abs", 2.0, "ns"),
    ("isDone() on a live ctx, depth 4", "time", jmh("DoneCheckBench.oursIsDoneDepth4"), "grpc isCancelled()", jmh("DoneCheckBench.grpcIsDoneDepth4"), "ratio", None, "ns"),
    ("isDone() flat with depth", "time", jmh("DoneCheckBench.oursIsDoneDepth4"), "ours at depth 1", jmh("DoneCheckBench.oursIsDoneDepth1"), "ratio", 1.5, "ns"),
    ("value lookup, 10 values, deepest key", "time", jmh("ValueBench.oursDeepest"), "grpc", jmh("ValueBench.grpcDeepest"), "ratio", 1.0, "ns"),
    ("value lookup, 10 values, deepest key", "time", jmh("ValueBench.oursDeepest"), "Reactor ContextView.get", jmh("ValueBench.reactorDeepest"), "ratio", 1.0, "ns"),
    ("value lookup, 10 values, deepest key", "time", jmh("ValueBench.oursDeepest"), "Go", go("ValueDeepest"), "ratio", None, "ns"),
    ("value lookup, 10 values, missing key", "time", jmh("ValueBench.oursMissing"), "grpc", jmh("ValueBench.grpcMissing"), "ratio", 1.0, "ns"),
    ("value lookup, 10 values, missing key", "time", jmh("ValueBench.oursMissing"), "Reactor getOrDefault", jmh("ValueBench.reactorMissing"), "ratio", None, "ns"),
    ("value lookup, 10 values, missing key", "time", jmh("ValueBench.oursMissing"), "Go", go("ValueMissing"), "ratio", None, "ns"),
    ("build 10 values", "time", jmh("ValueBench.buildOurs"), "grpc", jmh("ValueBench.buildGrpc"), "ratio", 1.0, "ns"),
    ("build 10 values", "bytes", jmh("ValueBench.buildOurs", "B"), "grpc", jmh("ValueBench.buildGrpc", "B"), "ratio", 1.0, "B"),
    ("build 10 values", "time", jmh("ValueBench.buildOurs"), "Reactor Context.put x10", jmh("ValueBench.buildReactor"), "ratio", None, "ns"),
    ("build 10 values", "time", jmh("ValueBench.buildOurs"), "Go", go("BuildValues"), "ratio", None, "ns"),
    ("cancel tree, 11,111 nodes", "time", jmh("TreeBench.ours"), "Go", go("Tree"), "ratio", 0.5, "ns"),
    ("cancel tree, 11,111 nodes", "time", jmh("TreeBench.ours"), "grpc lazy (unobserved)", jmh("TreeBench.grpcLazy"), "ratio", None, "ns"),
    ("cancel tree, listener on every node", "time", jmh("TreeBench.oursListeners"), "grpc +listeners", jmh("TreeBench.grpcListeners"), "ratio", 0.5, "ns"),
    ("2 threads, one shared parent (aggregate)", "time", jmh("SharedParentBench.ours"), "1 thread, same parent", jmh("SharedParentBench.oursOneThread"), "ratio", 1.0, "ns"),
    ("2 threads, one shared parent (aggregate)", "time", jmh("SharedParentBench.ours"), "Go", go("SharedParent"), "ratio", 0.1, "ns"),
    ("2 threads, one shared parent (aggregate)", "time", jmh("SharedParentBench.ours"), "grpc +listener", jmh("SharedParentBench.grpcListener"), "ratio", None, "ns"),
    ("2 threads, one shared parent (aggregate)", "time", jmh("SharedParentBench.ours"), "2 threads, own parents", jmh("SharedParentBench.oursOwnParents"), "ratio", None, "ns"),
    ("1,000,000 live timer contexts", "heap/ctx", main_result("timers.ours.bytesPerCtx"), "Go", main_result("timers.go.bytesPerCtx"), "abs", 150, "B"),
    ("1,000,000 live timer contexts", "heap/ctx", main_result("timers.ours.bytesPerCtx"), "grpc", main_result("timers.grpc.bytesPerCtx"), "ratio", None, "B"),
    ("1,000,000 live timer contexts", "create", main_result("timers.ours.createMs"), "Go", main_result("timers.go.createMs"), "ratio", 0.5, "ms"),
    ("1,000,000 live timer contexts", "create", main_result("timers.ours.createMs"), "grpc", main_result("timers.grpc.createMs"), "ratio", 0.5, "ms"),
    ("1,000,000 live timer contexts", "cancel", main_result("timers.ours.cancelMs"), "Go", main_result("timers.go.cancelMs"), "ratio", None, "ms"),
    ("1,000,000 live timer contexts", "cancel", main_result("timers.ours.cancelMs"), "grpc", main_result("timers.grpc.cancelMs"), "ratio", None, "ms"),
    ("20,000 listened children cancelled one by one", "total", jmh("ChildrenChurnBench.ours"), "grpc", jmh("ChildrenChurnBench.grpc"), "abs", 10e6, "ns"),
    ("20,000 listened children cancelled one by one", "total", jmh("ChildrenChurnBench.ours"), "Go (no listener)", go("ChildrenOneByOne"), "ratio", None, "ns"),
    ("20,000 listened children cancelled one by one", "retained", main_result("retention.ours.retainedChildren"), "grpc", main_result("retention.grpc.retainedChildren"), "abs", 0, "children"),
    ("Flux.range(0,1000) under deadlineOf", "time", jmh("FluxBench.deadlineOf"), "plain", jmh("FluxBench.plain"), "ratio", 2.0, "ns"),
    ("Flux.range(0,1000) under deadlineOf", "time", jmh("FluxBench.deadlineOf"), "timeout(Duration)", jmh("FluxBench.timeoutPerItem"), "ratio", None, "ns"),
    ("Flux.range(0,1000) under deadlineOf", "time", jmh("FluxBench.deadlineOf"), "timeout(Publisher)", jmh("FluxBench.timeoutFirstItem"), "ratio", None, "ns"),
    ("Flux.range(0,1000) under deadlineOf", "time", jmh("FluxBench.deadlineOf"), "takeUntilOther", jmh("FluxBench.takeUntilOther"), "ratio", None, "ns"),
    ("Flux.range(0,1000) under withTimeout(1h)", "time", jmh("WithTimeoutBench.withTimeout"), "timeout(Mono.delay(1h))", jmh("WithTimeoutBench.timeoutFirstItem"), "ratio", 0.25, "ns"),
    ("Flux.range(0,1000) under withTimeout(1h)", "time", jmh("WithTimeoutBench.withTimeout"), "timeout(Duration)", jmh("WithTimeoutBench.timeoutPerItem"), "ratio", None, "ns"),
    ("Mono: contextWrite(with(ctx)) + current()", "time", jmh("MonoBench.goContext"), "plain Reactor Context entry", jmh("MonoBench.reactorContext"), "ratio", 1.1, "ns"),
    ("gRPC unary call in process, both interceptors", "time", jmh("GrpcInterceptorBench.interceptors"), "plain gRPC", jmh("GrpcInterceptorBench.plain"), "ratio", 1.1, "ns"),
    ("gRPC unary call in process, both interceptors", "bytes", jmh("GrpcInterceptorBench.interceptors", "B"), "plain gRPC", jmh("GrpcInterceptorBench.plain", "B"), "ratio", None, "B"),
    ("gRPC unary call in process, client interceptor only", "time", jmh("GrpcInterceptorBench.clientInterceptor"), "plain gRPC", jmh("GrpcInterceptorBench.plain"), "ratio", None, "ns"),
    ("gRPC unary call in process, client interceptor only", "bytes", jmh("GrpcInterceptorBench.clientInterceptor", "B"), "plain gRPC", jmh("GrpcInterceptorBench.plain", "B"), "ratio", None, "B"),
    ("gRPC unary call in process, server interceptor only", "time", jmh("GrpcInterceptorBench.serverInterceptor"), "plain gRPC", jmh("GrpcInterceptorBench.plain"), "ratio", None, "ns"),
    ("gRPC unary call in process, server interceptor only", "bytes", jmh("GrpcInterceptorBench.serverInterceptor", "B"), "plain gRPC", jmh("GrpcInterceptorBench.plain", "B"), "ratio", None, "B"),
    ("cancel() -> upstream cancelled, 10 operators", "p50", main_result("latency.ours.p50Us"), "Reactor dispose()", main_result("latency.dispose.p50Us"), "abs", 5.0, "us"),
    ("cancel() -> upstream cancelled, 10 operators", "p99", main_result("latency.ours.p99Us"), "Reactor dispose()", main_result("latency.dispose.p99Us"), "abs", 50.0, "us"),
]


def fmt_value(value, unit):
    if value is None:
        return "n/a"
    if unit == "ns":
        if value >= 1e6:
            return fmt_value(value / 1e6, "ms")
        if value >= 1e3:
            return fmt_value(value / 1e3, "µs")
    if unit == "children":
        return f"{value:.0f}"
    if abs(value) >= 100:
        return f"{value:.0f} {unit}"
    return f"{value:.3g} {unit}"


def fmt_target(kind, target, unit):
    if target is None:
        return "-"
    if kind == "ratio":
        return f"≤ {target:g}×"
    if unit == "children":
        return f"= {target:g}"
    return f"≤ {fmt_value(target, unit)}"


def evaluate(run):
    rows = []
    for scenario, measure, ours_ref, peer_label, peer_ref, kind, target, unit in ROWS:
        ours = run.get(ours_ref)
        peer = run.get(peer_ref)
        ratio = ours / peer if ours is not None and peer else None
        if target is None:
            verdict = "info"
        elif kind == "ratio":
            verdict = "n/a" if ratio is None else ("met" if ratio <= target else "MISSED")
        else:
            verdict = "n/a" if ours is None else ("met" if ours <= target else "MISSED")
        rows.append({
            "scenario": scenario, "measure": measure, "peer_label": peer_label,
            "ours": fmt_value(ours, unit), "peer": fmt_value(peer, unit),
            "ratio": ratio, "kind": kind, "target": target,
            "target_text": fmt_target(kind, target, unit), "verdict": verdict,
        })
    return rows


HEADERS = ["scenario", "measure", "ours", "peer", "peer value", "ours/peer", "target", "result"]


def cells(row):
    ratio = "n/a" if row["ratio"] is None else f"{row['ratio']:.3g}×"
    return [row["scenario"], row["measure"], row["ours"], row["peer_label"], row["peer"], ratio,
            row["target_text"], row["verdict"]]


def text_table(rows):
    table = [HEADERS] + [cells(r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADERS))]
    lines = []
    for i, r in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows):
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for r in rows:
        c = cells(r)
        if c[-1] == "MISSED":
            c[-1] = "**MISSED**"
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in c) + " |")
    return "\n".join(lines)


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_chart(rows):
    """Horizontal bars of ours/peer on a log axis, with each target as a tick on its bar."""
    bars = [r for r in rows if r["ratio"] is not None and r["kind"] == "ratio"]
    lo, hi = -3, 1  # 10^-3 .. 10^1; smaller ratios are drawn at the left edge
    label_w, plot_w, bar_h, gap, top = 520, 440, 16, 6, 48
    width = label_w + plot_w + 90
    height = top + len(bars) * (bar_h + gap) + 40
    colors = {"met": "#2e8b57", "MISSED": "#d62728", "info": "#8c8c8c"}

    def x_of(ratio):
        v = min(max(math.log10(max(ratio, 10.0 ** lo)), lo), hi)
        return label_w + (v - lo) / (hi - lo) * plot_w

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="10" y="18" font-size="14" font-weight="bold">gocontext: ours / peer, same run '
        '(log scale; left of 1× = ours faster or smaller)</text>',
        '<text x="10" y="36" fill="#2e8b57">green: target met</text>',
        '<text x="130" y="36" fill="#d62728">red: target missed</text>',
        '<text x="260" y="36" fill="#8c8c8c">grey: no target, for context</text>',
        '<text x="440" y="36">| target</text>',
    ]
    for p in range(lo, hi + 1):
        x = x_of(10.0 ** p)
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 30}" '
                   f'stroke="{"#333" if p == 0 else "#ddd"}" stroke-width="1"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle">{10.0 ** p:g}×</text>')
    for i, r in enumerate(bars):
        y = top + i * (bar_h + gap)
        label = f'{r["scenario"]} ({r["measure"]}) vs {r["peer_label"]}'
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end">{escape(label)}</text>')
        x0, x1 = x_of(1.0), x_of(r["ratio"])
        out.append(f'<rect x="{min(x0, x1):.1f}" y="{y}" width="{max(abs(x1 - x0), 1):.1f}" '
                   f'height="{bar_h}" fill="{colors.get(r["verdict"], "#8c8c8c")}"/>')
        out.append(f'<text x="{label_w + plot_w + 6}" y="{y + bar_h - 4}">{r["ratio"]:.3g}×</text>')
        if r["target"] is not None:
            xt = x_of(r["target"])
            out.append(f'<line x1="{xt:.1f}" y1="{y - 2}" x2="{xt:.1f}" y2="{y + bar_h + 2}" '
                       f'stroke="black" stroke-width="2"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: report.py RESULTS_FOLDER")
    folder = Path(sys.argv[1])
    rows = evaluate(Run(folder))
    (folder / "table.md").write_text(markdown_table(rows) + "\n")
    (folder / "ratios.svg").write_text(svg_chart(rows))
    print(text_table(rows))
    targets = [r for r in rows if r["verdict"] in ("met", "MISSED")]
    missed = [r for r in targets if r["verdict"] == "MISSED"]
    print(f"\n{len(targets) - len(missed)} of {len(targets)} measured targets met"
          f" ({sum(r['verdict'] == 'n/a' for r in rows)} rows not measured in this run)")
    print(f"table: {folder / 'table.md'}  chart: {folder / 'ratios.svg'}")


if __name__ == "__main__":
    main()
