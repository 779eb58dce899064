#!/usr/bin/env bash
# The http part of benchmarks/run.sh: wrk against real servers on loopback, each server plain and
# with gocontext's adapter, in its own JVM, alternately (ABAB across runs), so that the ratio
# ours / plain of one run compares two servers measured a minute apart on the same machine.
#
#   benchmarks/run.sh http [runs] [scenario...]      (or benchmarks/http/scenarios.sh, the same)
#
#   runs       default 3
#   scenarios  default all of them, in this order:
#     netty         Reactor Netty HttpServer, GET /hello; ours: GoContextHttpServer.handler
#     webflux       WebFlux HttpHandler (WebHttpHandlerBuilder, no Boot) on Reactor Netty, one
#                   functional route; ours: behind GoContextWebFilter
#     starter       Boot WebFlux application (context-spring-boot-starter/overhead.sh);
#                   ours: with context-spring-boot-starter's auto-configurations
#     chained-load  benchmarks/http/chained-load.sh <outdir> <runs>, when that script exists
#
# Environment (defaults in brackets):
#   HTTP_DURATION [20s]  HTTP_WARMUP [10s]  HTTP_CONNECTIONS [64]  HTTP_THREADS [2]
#   HTTP_TIMEOUT [10s]   wrk's --timeout: a slower response counts as an error (and the run as invalid)
#   HTTP_JAVA_OPTS [-Xms512m -Xmx512m -XX:+AlwaysPreTouch]  same for every server
#   HTTP_START_SECS [180]  how long a server may take to listen
#   BENCH_NICE [0]         nice level of the servers and of wrk
#   HTTP_SKIP_BUILD [0]    1: use what the last build left (benchmarks.jar, the starter's classes)
#
# Each measurement starts a fresh server on a free port, times its first request (cold), warms it
# up with wrk for HTTP_WARMUP, then measures with `wrk -t$HTTP_THREADS -c$HTTP_CONNECTIONS
# -d$HTTP_DURATION --latency`, reads the CPU time the server used meanwhile, and stops it.
# Results: benchmarks/results/http-<time>/ (raw wrk output, results.jsonl, cold.tsv, server logs,
# build.log, table.md); benchmarks/results/http-latest points at the newest.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

all_scenarios=(netty webflux starter chained-load)
usage() {
  echo "usage: benchmarks/run.sh http [runs] [scenario...]   (scenarios: ${all_scenarios[*]})" >&2
  exit 2
}

runs=${1:-3}
[ $# -gt 0 ] && shift
case "$runs" in
  '' | *[!0-9]* | 0) echo "runs must be a positive whole number, got '$runs'" >&2; usage ;;
esac
scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=("${all_scenarios[@]}")
for scenario in "${scenarios[@]}"; do
  case " ${all_scenarios[*]} " in
    *" $scenario "*) ;;
    *) echo "unknown scenario '$scenario'" >&2; usage ;;
  esac
done

duration=${HTTP_DURATION:-20s}
warmup=${HTTP_WARMUP:-10s}
connections=${HTTP_CONNECTIONS:-64}
threads=${HTTP_THREADS:-2}
timeout=${HTTP_TIMEOUT:-10s}
java_opts=${HTTP_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
start_secs=${HTTP_START_SECS:-180}
nice_run=(nice -n "${BENCH_NICE:-0}")

ensure_wrk

out="$bench/results/http-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
ln -sfn "$(basename "$out")" "$bench/results/http-latest"
started=$(date +%s)
note() { echo "== $* ($(($(date +%s) - started)) s)"; }

# The server being measured, if any: stopped on every exit, error and signal included.
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    stop_pid "$server_pid"
    server_pid=
  fi
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

{
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "jdk: $(java -version 2>&1 | head -1)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "runs: $runs; scenarios: ${scenarios[*]}"
  echo "wrk: -t$threads -c$connections -d$duration --timeout $timeout --latency, after a ${warmup} warmup"
  echo "server JVM options: $java_opts; nice ${BENCH_NICE:-0}"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"

needs() { case " ${scenarios[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

jar="$bench/target/benchmarks.jar"
skip_build=${HTTP_SKIP_BUILD:-0}
# build_step WHAT COMMAND...: runs a build into build.log; on failure shows its end and stops
build_step() {
  note "building $1 (into build.log)"
  shift
  if ! "$@" >>"$out/build.log" 2>&1; then
    tail -n 40 "$out/build.log" >&2
    echo "the build failed: see $out/build.log" >&2
    exit 1
  fi
}
if [ "$skip_build" != 1 ] && { needs netty || needs webflux; }; then
  build_step "the benchmarks module" mvn -B -ntp -q -f "$root/pom.xml" -pl benchmarks -am package -DskipTests \
    -Dbenchmarks.smoke.skip=true -Dspotless.check.skip=true
fi
if [ "$skip_build" != 1 ] && needs starter; then
  build_step "the starter's overhead application" "$root/context-spring-boot-starter/overhead.sh" build
fi
if { needs netty || needs webflux; } && [ ! -f "$jar" ]; then
  echo "no $jar: run without HTTP_SKIP_BUILD=1" >&2
  exit 1
fi

# start_server SCENARIO VARIANT PORT LOG: starts the server in the background, sets server_pid
start_server() {
  local scenario=$1 variant=$2 port=$3 log=$4
  case "$scenario" in
    netty | webflux)
      local main=NettyHelloServer
      [ "$scenario" = webflux ] && main=WebFluxHelloServer
      # shellcheck disable=SC2086 # the JVM options are words
      "${nice_run[@]}" java $java_opts -cp "$jar" "dev.gocontext.benchmarks.http.$main" "$variant" "$port" \
        >"$log" 2>&1 &
      ;;
    starter)
      local mode=plain
      [ "$variant" = ours ] && mode=starter
      JAVA_OPTS=$java_opts OVERHEAD_SKIP_BUILD=1 "${nice_run[@]}" \
        "$root/context-spring-boot-starter/overhead.sh" "$mode" "$port" >"$log" 2>&1 &
      ;;
  esac
  server_pid=$!
}

# cpu_ticks PID: user + system CPU time the process has used, in clock ticks
cpu_ticks() {
  # the fields after the command name, which may hold spaces: utime and stime are 12th and 13th
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# measure SCENARIO VARIANT RUN ORDER: one fresh server, its first request, warmup, measurement
measure() {
  local scenario=$1 variant=$2 run=$3 order=$4
  local name="$scenario-$variant-run$run" port url t0 t1 first
  port=$(free_port)
  url="http://127.0.0.1:$port/hello"
  note "$scenario $variant (run $run of $runs) on port $port"
  t0=$(date +%s%N)
  start_server "$scenario" "$variant" "$port" "$out/$name.server.log"
  if ! wait_for_port "$port" "$start_secs" "$server_pid"; then
    tail -n 30 "$out/$name.server.log" >&2
    exit 1
  fi
  t1=$(date +%s%N)
  # the first request this JVM serves: class loading, JIT-less paths, lazy initialisation
  first=$(curl -s -o "$out/$name.first-body.txt" -w '%{http_code} %{time_total}' "$url") || first="failed 0"
  if [ "${first%% *}" != 200 ] || ! grep -qx hello "$out/$name.first-body.txt"; then
    echo "$scenario $variant: the first GET $url answered '${first%% *}', body:" >&2
    cat "$out/$name.first-body.txt" >&2 2>/dev/null || true
    exit 1
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$scenario" "$variant" "$run" \
    "$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }')" \
    "$(awk -v s="${first#* }" 'BEGIN { printf "%.1f", s * 1000 }')" >>"$out/cold.tsv"
  "${nice_run[@]}" wrk -t"$threads" -c"$connections" -d"$warmup" --timeout "$timeout" "$url" \
    >"$out/$name.warmup.txt" 2>&1
  local cpu_before cpu_after
  cpu_before=$(cpu_ticks "$server_pid")
  "${nice_run[@]}" wrk -t"$threads" -c"$connections" -d"$duration" --timeout "$timeout" --latency \
    -s "$here/report.lua" "$url" >"$out/$name.wrk.txt" 2>&1
  cpu_after=$(cpu_ticks "$server_pid")
  local json
  json=$(sed -n 's/^WRK_JSON //p' "$out/$name.wrk.txt")
  if [ -z "$json" ]; then
    echo "$scenario $variant: wrk printed no result (see $out/$name.wrk.txt)" >&2
    exit 1
  fi
  printf '{"scenario":"%s","variant":"%s","run":%d,"order":"%s","load":"%s","server_cpu_s":%s,"wrk":%s}\n' \
    "$scenario" "$variant" "$run" "$order" "$(cut -d' ' -f1 /proc/loadavg)" \
    "$(awk -v t=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')" \
    "$json" >>"$out/results.jsonl"
  grep -E 'Requests/sec|Non-2xx|Socket errors' "$out/$name.wrk.txt" | sed 's/^/   /'
  stop_server
}

: >"$out/results.jsonl"
printf 'scenario\tvariant\trun\tstartup_s\tfirst_request_ms\n' >"$out/cold.tsv"
for scenario in "${scenarios[@]}"; do
  if [ "$scenario" = chained-load ]; then
    chained=(bash "$here/chained-load.sh")
    [ -x "$here/chained-load.sh" ] && chained=("$here/chained-load.sh")
    if [ ! -f "$here/chained-load.sh" ]; then
      echo "== chained-load skipped: benchmarks/http/chained-load.sh does not exist"
      printf '### chained-load\n\nNot run: benchmarks/http/chained-load.sh does not exist.\n' >"$out/chained-load.md"
    else
      note "chained-load: benchmarks/http/chained-load.sh $out $runs"
      if ! "${chained[@]}" "$out" "$runs"; then
        echo "== chained-load failed: see its output above" >&2
        printf '\n**chained-load failed**: see the output of benchmarks/http/chained-load.sh.\n' >>"$out/chained-load.md"
      fi
    fi
    continue
  fi
  for run in $(seq 1 "$runs"); do
    # ABAB: odd runs measure plain first, even runs ours first, so drift hits both alike
    if [ $((run % 2)) = 1 ]; then order="plain,ours"; else order="ours,plain"; fi
    for variant in ${order/,/ }; do
      measure "$scenario" "$variant" "$run" "$order"
    done
  done
done

{
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "seconds: $(($(date +%s) - started))"
} >>"$out/machine.txt"
note "report"
python3 "$here/table.py" "$out"
cat "$out/table.md"
echo "== results in $out"
