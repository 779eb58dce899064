#!/usr/bin/env python3
"""The victims of chained-load.sh: sequential GET /chain?hops=2&ms=1 with a generous budget, each on
a new connection (as curl would), recording status, latency and the hops' remaining budgets.

    chained-victims.py PORT COUNT BUDGET_MS OUT.tsv [STOP_FILE]

Writes one line per victim: index, status, latency in ms, budget in ms, the hops' remainingMs, when it
started (epoch seconds).
With STOP_FILE, it stops early once that file exists (COUNT is then an upper bound).
"""
import http.client
import json
import os
import sys
import time


def main():
    port, count, budget, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    stop = sys.argv[5] if len(sys.argv) > 5 else None
    with open(out, "w") as f:
        f.write("i\tstatus\tlatency_ms\tbudget_ms\tremaining_ms\tstarted_epoch_s\n")
        f.flush()  # the header says the victims are ready: the caller may start the noise
        for i in range(count):
            if stop and os.path.exists(stop):
                break
            started = time.monotonic()
            wall = time.time()
            status, remaining = -1, ""
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/chain?hops=2&ms=1",
                             headers={"X-Request-Timeout": str(budget), "Connection": "close"})
                response = conn.getresponse()
                body = response.read()
                status = response.status
                if status == 200:
                    hops = json.loads(body).get("hops", [])
                    remaining = ",".join(str(h.get("remainingMs")) for h in hops)
                conn.close()
            except Exception as e:  # a victim that failed is recorded, not fatal
                status, remaining = 0, type(e).__name__
            latency = (time.monotonic() - started) * 1000
            f.write(f"{i}\t{status}\t{latency:.1f}\t{budget}\t{remaining}\t{wall:.3f}\n")
            f.flush()


if __name__ == "__main__":
    main()
