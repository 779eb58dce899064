#!/usr/bin/env bash
# chained-load: does noise whose calls are canceled on the way slow down other requests of a chain?
#
#   benchmarks/http/chained-load.sh OUTDIR RUNS
#
# Builds the samples (mvn package, never install) and runs the sample service on a free port, once
# per protocol of the chain's hops (samples.chain.protocol = http11, then h2c). For each protocol,
# first a cold run on the fresh JVM: victims under the noise, one phase, reported as run "cold" (it
# measures what the first burst of a deploy sees while the JIT compiler still takes most of the 2
# cores), then WARMUP_SECS s more of the noise alone, reported as run "warm-up" (COLD=0 skips both).
# Then RUNS times, three phases:
#   alone   VICTIMS sequential victims: GET /chain?hops=2&ms=1 with X-Request-Timeout 10000, each on a
#           new connection (benchmarks/http/chained-victims.py)
#   noise   wrk, 48 connections for NOISE_SECS s, /chain?hops=2&ms=0..10 with X-Request-Timeout
#           5..40 ms (benchmarks/http/chained-noise.lua, seeded with SEED): most of them run out of
#           budget on the way, so their hops are canceled in flight
#   under   the same noise, and victims one after the other for as long as it lasts
# and writes OUTDIR/chained-load.md: one row per run x protocol x phase with the victims' p50, p99
# and max latency, the victims answered 200 after their budget (must be 0), the noise's
# throughput and statuses, the sockets in TIME_WAIT after the phase, the connections the host
# accepted and dropped on a full accept queue during it, and the WARN/ERROR lines the service logged
# during it. Targets: victims' max under the noise <= 500 ms, no 200 after budget, in each of the
# RUNS warm runs; the cold run's row says whether it met them too.
# Raw data next to it: victims-*.tsv, wrk-*.txt, server-*.log.
#
# Environment: PROTOCOLS ("http11 h2c": the hops' protocols to run, in that order), COLD (1: run the
# cold run and the warm-up first; 0: do not), WARMUP_SECS (40), VICTIMS (200), NOISE_SECS (20),
# CONNECTIONS (48), SEED (42), JAVA_OPTS.
# Needs JDK 17+, Maven, curl, python3; installs wrk when missing (as root on Debian).
set -euo pipefail

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 OUTDIR RUNS   (RUNS: a positive whole number, got '${2:-}')" >&2
  exit 2
fi
outdir=$1
runs=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=benchmarks/http/lib.sh
source "$here/lib.sh"

protocols=${PROTOCOLS:-http11 h2c}
for protocol in $protocols; do
  case $protocol in
    http11|h2c) ;;
    *) echo "PROTOCOLS must name http11 and/or h2c, not '$protocol'" >&2; exit 2 ;;
  esac
done
cold=${COLD:-1}
case $cold in
  0|1) ;;
  *) echo "COLD must be 1 (run the cold run first) or 0 (do not), not '$cold'" >&2; exit 2 ;;
esac
victims=${VICTIMS:-200}
noise_secs=${NOISE_SECS:-20}
warmup_secs=${WARMUP_SECS:-40}
if ! [[ "$warmup_secs" =~ ^[1-9][0-9]*$ ]]; then
  echo "WARMUP_SECS must be a positive whole number of seconds, not '$warmup_secs'" >&2
  exit 2
fi
connections=${CONNECTIONS:-48}
seed=${SEED:-42}
budget_ms=10000
max_target_ms=500

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
ensure_wrk

server_pid=""
noise_pid=""
victims_pid=""
cleanup() {
  [ -n "$victims_pid" ] && stop_pid "$victims_pid"
  [ -n "$noise_pid" ] && stop_pid "$noise_pid"
  [ -n "$server_pid" ] && stop_pid "$server_pid"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building the samples" >&2
(cd "$root" && mvn -B -ntp -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
  -Dbenchmarks.smoke.skip=true -pl samples -am package) >&2
jar="$root/samples/target/context-samples.jar"

# Sockets in TIME_WAIT (state 06 in the kernel's tables; no iproute2 needed).
time_wait() { cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "06"' | wc -l; }
# A counter of the kernel's TCP statistics, for the whole host: tcp_stat FILE PREFIX NAME
# (PassiveOpens: connections accepted, in /proc/net/snmp; ListenOverflows: connections dropped on a
# full accept queue, in /proc/net/netstat).
tcp_stat() {
  awk -v prefix="$2:" -v name="$3" '$1 == prefix {
      if (!header) { for (i = 2; i <= NF; i++) if ($i == name) col = i; header = 1 }
      else { print (col ? $col : 0); exit } }' "$1" 2>/dev/null || echo 0
}
accepted() { tcp_stat /proc/net/snmp Tcp PassiveOpens; }
overflows() { tcp_stat /proc/net/netstat TcpExt ListenOverflows; }
log_lines() { grep -cE "^[^ ]+ +$2 " "$1" || true; }

# Starts the noise in the background for $2 s: wrk's summary and status mix go to $1.
start_noise() {
  SEED=$seed wrk -t2 -c"$connections" -d"$2s" --timeout 30s -s "$here/chained-noise.lua" \
    "http://127.0.0.1:$port" >"$1" 2>&1 &
  noise_pid=$!
}

# One row of raw results: run protocol phase victims.tsv wrk.txt tw warn error since accepted overflows
rows="$outdir/rows.tsv"
printf 'run\tprotocol\tphase\tvictims\twrk\ttime_wait\twarn\terror\tsince\taccepted\toverflows\n' >"$rows"

# One phase of one run against the running service, appended to the rows:
# run_phase RUN PHASE [NOISE_SECONDS (default NOISE_SECS)]
run_phase() {
  local run=$1 phase=$2 seconds=${3:-$noise_secs}
  local tag warn0 error0 accepted0 overflows0 v w since warn1 error1
  tag="$protocol-run$run-$phase"
  warn0=$(log_lines "$log" WARN); error0=$(log_lines "$log" ERROR)
  accepted0=$(accepted); overflows0=$(overflows)
  v="-"; w="-"; since=0
  case $phase in
    alone)
      v="$outdir/victims-$tag.tsv"
      python3 "$here/chained-victims.py" "$port" "$victims" "$budget_ms" "$v" ;;
    noise)
      w="$outdir/wrk-$tag.txt"
      start_noise "$w" "$seconds"
      wait "$noise_pid"; noise_pid="" ;;
    under)
      v="$outdir/victims-$tag.tsv"; w="$outdir/wrk-$tag.txt"
      rm -f "$outdir/.stop" "$v"
      python3 "$here/chained-victims.py" "$port" 1000000 "$budget_ms" "$v" "$outdir/.stop" &
      victims_pid=$!
      # the victims are running (python can take seconds to start on a loaded machine); only
      # those that start once the noise has started are counted
      until [ -s "$v" ]; do sleep 0.1; done
      since=$(date +%s.%N)
      start_noise "$w" "$seconds"
      wait "$noise_pid"; noise_pid=""
      touch "$outdir/.stop"; wait "$victims_pid"; victims_pid=""; rm -f "$outdir/.stop" ;;
  esac
  warn1=$(log_lines "$log" WARN); error1=$(log_lines "$log" ERROR)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$protocol" "$phase" "$v" "$w" "$(time_wait)" \
    "$((warn1 - warn0))" "$((error1 - error0))" "$since" "$(($(accepted) - accepted0))" \
    "$(($(overflows) - overflows0))" >>"$rows"
  echo "   $tag done" >&2
}

for protocol in $protocols; do
  port=$(free_port)
  log="$outdir/server-$protocol.log"
  echo "== $protocol: the sample service on port $port (log: $log)" >&2
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:-} -jar "$jar" --server.port="$port" --samples.chain.protocol="$protocol" >"$log" 2>&1 &
  server_pid=$!
  wait_for_http "http://127.0.0.1:$port/actuator/health" 120
  python3 "$here/chained-victims.py" "$port" 50 "$budget_ms" "$outdir/warmup-$protocol.tsv"

  if [ "$cold" = 1 ]; then
    run_phase cold under
    run_phase warm-up noise "$warmup_secs"
  fi
  for run in $(seq 1 "$runs"); do
    for phase in alone noise under; do
      run_phase "$run" "$phase"
    done
  done
  stop_pid "$server_pid"; server_pid=""
done

python3 - "$rows" "$outdir/chained-load.md" "$max_target_ms" "$victims" "$noise_secs" "$connections" "$seed" "$warmup_secs" <<'EOF'
import re
import sys

rows_file, out, max_target, victims, noise_secs, connections, seed, warmup_secs = sys.argv[1:9]
max_target = float(max_target)


def victims_of(path, since):
    if path == "-":
        return None
    rows = [line.rstrip("\n").split("\t") for line in open(path)][1:]
    rows = [r for r in rows if float(r[5]) >= since]
    lat = sorted(float(r[2]) for r in rows)
    late = sum(1 for r in rows if r[1] == "200" and float(r[2]) > float(r[3]))
    failed = sum(1 for r in rows if r[1] != "200")
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
    return len(lat), pick(0.5), pick(0.99), (lat[-1] if lat else float("nan")), late, failed


def noise_of(path):
    if path == "-":
        return None
    text = open(path).read()
    rps = re.search(r"rps ([0-9.]+)", text)
    statuses = re.search(r"^statuses(.*)$", text, re.M)
    errors = re.search(r"errors_connect (\d+) errors_read (\d+) errors_write (\d+) errors_timeout (\d+)", text)
    mix = statuses.group(1).strip() if statuses else "?"
    socket_errors = sum(int(x) for x in errors.groups()) if errors else 0
    return (rps.group(1) if rps else "?"), mix, socket_errors


lines = [
    "# chained-load",
    "",
    f"Victims: `GET /chain?hops=2&ms=1`, `X-Request-Timeout: 10000`, sequential, a new connection each "
    f"({victims} alone). Noise: wrk, {connections} connections, {noise_secs} s, `/chain?hops=2&ms=0..10` "
    f"with `X-Request-Timeout` 5..40 ms (seed {seed}). TIME_WAIT: sockets in TIME_WAIT after the phase; "
    f"accepted, overflows: TCP connections the host accepted, and dropped on a full accept queue, during it "
    f"(whole host). "
    f"Targets under the noise: victims' max <= {max_target:.0f} ms, no 200 after the budget. "
    f"Run \"cold\": victims under the noise on the freshly started service, then \"warm-up\": "
    f"{warmup_secs} s of the noise alone, before run 1.",
    "",
    "| run | hops | phase | victims | p50 ms | p99 ms | max ms | 200 after budget | victims failed "
    "| noise req/s | noise statuses | noise socket errors | TIME_WAIT | accepted | overflows | WARN | ERROR | target |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]
verdicts = {}  # protocol -> [(run, target)] of the phases under the noise
for r in [line.rstrip("\n").split("\t") for line in open(rows_file)][1:]:
    run, protocol, phase, vfile, wfile, tw, warn, error, since, accepted, overflows = r
    v = victims_of(vfile, float(since))
    n = noise_of(wfile)
    target = ""
    if phase == "under" and v:
        target = "no victim finished" if not v[0] else "met" if v[3] <= max_target and v[4] == 0 else "MISSED"
        verdicts.setdefault(protocol, []).append((run, target))
    vcols = [str(v[0]), f"{v[1]:.1f}", f"{v[2]:.1f}", f"{v[3]:.1f}", str(v[4]), str(v[5])] if v else ["-"] * 6
    ncols = [n[0], n[1], str(n[2])] if n else ["-"] * 3
    lines.append("| " + " | ".join([run, protocol, phase] + vcols + ncols + [tw, accepted, overflows, warn, error, target])
                 + " |")
lines.append("")
for protocol, runs in verdicts.items():
    warm = [t for run, t in runs if run != "cold"]
    cold = [t for run, t in runs if run == "cold"]
    lines.append(f"- {protocol}: target met in {warm.count('met')} of {len(warm)} runs"
                 + (f"; cold run: {cold[0]}" if cold else ""))
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
echo "== report: $outdir/chained-load.md" >&2
