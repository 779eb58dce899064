-- The noise of chained-load.sh: every request is /chain?hops=2&ms=M with X-Request-Timeout T,
-- M uniform in 0..10 ms and T uniform in 5..40 ms, so most run out of budget somewhere in the chain.
-- Seeded: SEED (environment) plus the thread's number, so a run can be replayed.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local seed = tonumber(os.getenv("SEED") or "42")
  math.randomseed(seed + id)
  statuses = {}
end

function request()
  local ms = math.random(0, 10)
  local budget = math.random(5, 40)
  return wrk.format("GET", "/chain?hops=2&ms=" .. ms, { ["X-Request-Timeout"] = tostring(budget) })
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      total[code] = (total[code] or 0) + n
    end
  end
  local line = "statuses"
  for code, n in pairs(total) do
    line = line .. " " .. code .. "=" .. n
  end
  io.write(line .. "\n")
  io.write(string.format("requests %d duration_us %d rps %.1f errors_connect %d errors_read %d errors_write %d errors_timeout %d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
