# shellcheck shell=bash
# Shared by the scripts of `benchmarks/run.sh http`: sourced, never run.
#
#   ensure_wrk               installs wrk (Debian package, as root) when it is missing, or fails
#   wait_for_http URL SECS   waits until URL answers (any status), or fails naming URL
#   wait_for_port PORT SECS PID
#                            waits until PORT listens on loopback without connecting to it (so
#                            that the first request stays the first), or fails when PID exits or
#                            SECS pass
#   free_port                prints a TCP port free on loopback now
#   stop_pid PID             stops a server started in the background, and waits for it

ensure_wrk() {
  command -v wrk >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== no wrk: installing the Debian package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >&2 \
      || { echo "could not install wrk" >&2; return 1; }
  else
    echo "wrk is missing: install it (apt-get install wrk) and run again" >&2
    return 1
  fi
}

wait_for_http() {
  local url=$1 secs=$2 waited=0
  until curl -s -o /dev/null "$url"; do
    waited=$((waited + 1))
    if [ "$waited" -gt $((secs * 10)) ]; then
      echo "no answer from $url after ${secs} s" >&2
      return 1
    fi
    sleep 0.1
  done
}

wait_for_port() {
  local port=$1 secs=$2 pid=$3 waited=0
  until ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server (pid $pid) exited before listening on port $port" >&2
      return 1
    fi
    waited=$((waited + 1))
    if [ "$waited" -gt $((secs * 10)) ]; then
      echo "nothing listens on port $port after ${secs} s" >&2
      return 1
    fi
    sleep 0.1
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
