-- wrk script of `benchmarks/run.sh http`: after the run, prints one line
--   WRK_JSON {"requests":..., "p99_us":..., ...}
-- with the totals, the socket and status errors (status: responses >= 400) and the latency
-- percentiles in microseconds, so that the report reads numbers, not wrk's rounded text.

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,'
      .. '"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
