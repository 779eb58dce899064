#!/usr/bin/env bash
# Runs every benchmark of gocontext side by side with its peers, in one run, and prints one table
# of ratios (ours / peer, same run) with the project's performance targets, plus an SVG chart.
#
#   benchmarks/run.sh [quick|full] [JMH regex]
#
#   quick  (default) 1 fork, short iterations, Go -benchtime 200ms: about 5 minutes
#   full   2 forks, 5 x 1 s warmup and measurement, Go -count 5: about 20 to 25 minutes
#   regex  optional: run only the JMH benchmarks matching it (the other rows show n/a)
#
#   benchmarks/run.sh http [runs] [scenario...]
#
#   http   wrk against real servers on loopback, each plain and with gocontext's adapter (netty,
#          webflux, starter, chained-load; default all, 3 runs): see http/scenarios.sh
#
# BENCH_NICE=-10 benchmarks/run.sh full   runs every benchmark process at that nice level (negative
#   needs root): on a machine shared with builds it keeps the measured threads on a core.
#
# Results go to benchmarks/results/<mode>-<time>/ (jmh.json, jmh.txt, go-bench.txt, mains.txt,
# table.md, ratios.svg); benchmarks/results/latest points at the newest. Numbers on a shared
# machine drift from run to run: compare ratios within one run, never absolute numbers across runs.
set -euo pipefail

mode=${1:-quick}
if [ "$mode" = http ]; then
  shift
  exec "$(dirname "$0")/http/scenarios.sh" "$@"
fi
# every measured process (JMH and its forks, the mains, go test) runs through this
run=(nice -n "${BENCH_NICE:-0}")
include=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# A fixed, pre-touched heap: without it the first iterations on a small VM run 10-30x slow.
jvm_args="-Xms1g -Xmx1g -XX:+AlwaysPreTouch"

case "$mode" in
  quick)
    jmh_opts=(-f 1 -wi 3 -w 300ms -i 5 -r 300ms)
    go_opts=(-benchtime 200ms -count 1)
    ;;
  full)
    jmh_opts=(-f 2 -wi 5 -w 1s -i 5 -r 1s)
    go_opts=(-benchtime 1s -count 5)
    ;;
  *)
    echo "usage: $0 [quick|full] [JMH regex], or $0 http [runs] [scenario...]" >&2
    exit 2
    ;;
esac

out="results/$mode-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ln -sfn "$(basename "$out")" results/latest
started=$(date +%s)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
note() { echo "== $* ($(($(date +%s) - started)) s)"; }

note "building the benchmarks module"
(cd .. && mvn -B -ntp -q -pl benchmarks -am package -DskipTests -Dbenchmarks.smoke.skip=true -Dspotless.check.skip=true)
jar="$here/target/benchmarks.jar"

note "JMH ($mode), -prof gc, into $out/jmh.json"
# shellcheck disable=SC2086 # an empty include must vanish
"${run[@]}" java -jar "$jar" "${jmh_opts[@]}" -prof gc -jvmArgsAppend "$jvm_args" \
  -rf json -rff "$out/jmh.json" ${include:+"$include"} | tee "$out/jmh.txt"

note "plain mains: 1,000,000 live timers, retention, cancel latency"
: >"$out/mains.txt"
for impl in ours grpc; do
  # shellcheck disable=SC2086
  "${run[@]}" java $jvm_args -cp "$jar" dev.gocontext.benchmarks.FootprintMain timers "$impl" | tee -a "$out/mains.txt"
  # shellcheck disable=SC2086
  "${run[@]}" java $jvm_args -cp "$jar" dev.gocontext.benchmarks.FootprintMain retention "$impl" | tee -a "$out/mains.txt"
done
# shellcheck disable=SC2086
"${run[@]}" java $jvm_args -cp "$jar" dev.gocontext.benchmarks.LatencyMain | tee -a "$out/mains.txt"

# Go: install a toolchain if there is none and we can (Debian, as root); else skip with a message.
if ! command -v go >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    note "no Go toolchain: installing golang-go"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go) >"$out/go-install.log" 2>&1 \
      || echo "could not install golang-go (see $out/go-install.log)"
  fi
fi
if command -v go >/dev/null 2>&1; then
  note "Go $(go version | awk '{print $3}'): go test -bench -benchmem"
  (
    cd go
    export GOFLAGS=-mod=mod GOTOOLCHAIN=local
    # GOMAXPROCS 2, as the JVM has 2 cores for its GC and JIT beside the measured thread;
    # SharedParent's RunParallel then runs 2 goroutines, as SharedParentBench runs 2 threads
    "${run[@]}" go test -run '^$' -bench . -benchmem -cpu 2 "${go_opts[@]}"
  ) | tee "$out/go-bench.txt"
  (cd go && go build -o "$here/$out/go-timers" ./timers && "${run[@]}" "$here/$out/go-timers") | tee -a "$out/mains.txt"
else
  echo "== Go skipped: no Go toolchain (apt-get install golang-go gives one); Go columns show n/a"
fi

note "report"
python3 report.py "$out"
{
  echo "mode: $mode (nice ${BENCH_NICE:-0})"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "jdk: $(java -version 2>&1 | head -1)"
  echo "go: $(command -v go >/dev/null 2>&1 && go version || echo none)"
  echo "load average at start: $load_at_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "seconds: $(($(date +%s) - started))"
} | tee "$out/machine.txt"
