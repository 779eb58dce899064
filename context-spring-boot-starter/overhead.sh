#!/usr/bin/env bash
# Starts the application that measures the starter's cost per request: a Boot WebFlux app with one
# trivial handler, GET /hello, with the starter (`starter`) or with every auto-configuration of
# the starter excluded (`plain`). Same class path, same JVM options; load it with wrk, e.g.
#
#   context-spring-boot-starter/overhead.sh plain 18081 &
#   context-spring-boot-starter/overhead.sh starter 18082 &
#   wrk -t2 -c64 -d30s --latency http://127.0.0.1:18081/hello
#   wrk -t2 -c64 -d30s --latency http://127.0.0.1:18082/hello
#
# Builds the module's test classes first (quietly); `overhead.sh build` only builds, and
# OVERHEAD_SKIP_BUILD=1 starts what an earlier build left (benchmarks/run.sh http does both).
# JAVA_OPTS goes to the JVM.
set -euo pipefail
mode=${1:?usage: overhead.sh plain|starter PORT, or overhead.sh build}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

cp_file=context-spring-boot-starter/target/overhead.classpath
if [ "${OVERHEAD_SKIP_BUILD:-}" != 1 ] || [ ! -f "$cp_file" ]; then
  mvn -B -ntp -q -pl context-spring-boot-starter -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$cp_file" -Dspotless.check.skip=true >&2
fi
[ "$mode" = build ] && exit 0
port=${2:?usage: overhead.sh plain|starter PORT}
classpath="context-spring-boot-starter/target/test-classes:context-spring-boot-starter/target/classes"
classpath="$classpath:context-reactor/target/classes:context-core/target/classes:$(cat "$cp_file")"

starter=(
  dev.gocontext.spring.boot.GoContextAutoConfiguration
  dev.gocontext.spring.boot.GoContextClientAutoConfiguration
  dev.gocontext.spring.boot.GoContextEndpointAutoConfiguration
  dev.gocontext.spring.boot.GoContextMetricsAutoConfiguration
  dev.gocontext.spring.boot.GoContextObservationAutoConfiguration
  dev.gocontext.spring.boot.GoContextPropagationAutoConfiguration
  dev.gocontext.spring.boot.GoContextWebFluxAutoConfiguration
)
case "$mode" in
  starter) args=() ;;
  plain) args=("--spring.autoconfigure.exclude=$(IFS=,; echo "${starter[*]}")") ;;
  *) echo "usage: overhead.sh plain|starter PORT, or overhead.sh build" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -cp "$classpath" dev.gocontext.spring.boot.overhead.OverheadApp \
  --server.port="$port" --logging.level.root=WARN "${args[@]}"
