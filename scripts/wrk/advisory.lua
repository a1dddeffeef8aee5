-- wrk script for GET /v1/advisory (issue 15): the same question every request (WRK_PATH, default a known app version),
-- as devices ask at app start. No If-None-Match: every answer is a full 200 body, the advisory's dearer case.
-- Prints STATUS, LATENCY and RATE lines in the format of ingest.lua.
local path = os.getenv("WRK_PATH") or "/v1/advisory?app=com.datatheorem.testtrustkit2&version=1&platform=ios"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  wrk.method = "GET"
  wrk.path = path
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do totals[code] = (totals[code] or 0) + n end
  end
  local line = "STATUS"
  for code, n in pairs(totals) do line = line .. string.format(" %d=%d", code, n) end
  io.write(line .. "\n")
  io.write(string.format("LATENCY p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("RATE %.0f\n", summary.requests / (summary.duration / 1e6)))
end
