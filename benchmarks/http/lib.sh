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
#   poll SECS MESSAGE CMD... runs CMD every 0.1 s until it succeeds, or prints MESSAGE after SECS

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
  local url=$1 secs=$2
  poll "$secs" "no answer from $url after ${secs} s" curl -s -o /dev/null "$url"
}

wait_for_port() {
  local port=$1 secs=$2 pid=$3
  poll "$secs" "nothing listens on port $port after ${secs} s" listens_or_exited "$port" "$pid" || return 1
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the server (pid $pid) exited before listening on port $port" >&2
    return 1
  fi
}

# listens_or_exited PORT PID: whether PORT listens on loopback, or PID has exited (nothing to wait for)
listens_or_exited() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q . || ! kill -0 "$2" 2>/dev/null
}

# poll SECS MESSAGE COMMAND...: runs COMMAND every 0.1 s until it succeeds; after SECS, prints
# MESSAGE and fails
poll() {
  local secs=$1 message=$2 tries=0
  shift 2
  until "$@"; do
    tries=$((tries + 1))
    if [ "$tries" -gt $((secs * 10)) ]; then
      echo "$message" >&2
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
