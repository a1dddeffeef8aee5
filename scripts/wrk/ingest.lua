-- wrk script for POST /v1/reports: one report body (WRK_BODY, default the TrustKit iOS docs sample) sent with a
-- fresh app-vendor-id per request, so no report is a duplicate and every 204 stands for one stored row.
-- Counts statuses so the caller can compare acknowledged reports with stored rows.
local body_path = os.getenv("WRK_BODY") or "tests/Fixtures/samples/trustkit-ios-docs-sample.json"
local f = assert(io.open(body_path, "rb"))
local template = f:read("*a")
f:close()
local prefix, suffix = template:match('^(.-"app%-vendor%-id"%s*:%s*")[^"]*(".*)$')
assert(prefix, "the body has no app-vendor-id")

local threads = {}
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  run = os.getenv("WRK_RUN") or tostring(os.time())
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local id = string.format("%s-%d-%d", run, tid, counter)
  return wrk.format(nil, nil, nil, prefix .. id .. suffix)
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
