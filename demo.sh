#!/usr/bin/env bash
# The demo: builds the samples (quietly, only when a source changed) and runs them.
#
#   ./demo.sh                        the sample service on http://localhost:8080
#   ./demo.sh --server.port=9090     ... on another port (any Spring Boot option works)
#   ./demo.sh example                lists the runnable programs of the guide (docs/GUIDE.md)
#   ./demo.sh example timeout        runs one of them (each chapter of the guide names its own)
#
# Needs JDK 17+ and Maven 3.8.7+. JAVA_OPTS is passed to the JVM.
set -euo pipefail
cd "$(dirname "$0")"

jar=samples/target/context-samples.jar

# Rebuild unless the jar is newer than every source and pom it is made from.
stale=1
if [ -f "$jar" ]; then
  newer=$(find pom.xml context-core context-reactor context-grpc context-spring-boot-starter samples -name target -prune -o \
            -type f -newer "$jar" -print 2>/dev/null | head -n 1 || true)
  [ -z "$newer" ] && stale=0
fi
if [ "$stale" = 1 ]; then
  echo "demo.sh: building the samples (about a minute the first time)..." >&2
  mvn -B -ntp -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl samples -am package
fi

# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar "$jar" "$@"
