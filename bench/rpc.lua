-- wrk script for bench/run.py: POSTs JSON-RPC calls to /rpc and counts what came back.
--
--   wrk -s bench/rpc.lua http://127.0.0.1:PORT -- MODE BATCH USERS
--     MODE   ping | spend   (spend: spend_credits of 1 credit on a random user u1..uUSERS)
--     BATCH  calls per HTTP request: 1 sends a single call, N > 1 a JSON-RPC batch of N calls
--
-- At the end it prints one line, `BENCH {json}`, that run.py reads: latency percentiles, how
-- many calls were sent and answered, and how many answers were results or errors.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

function init(args)
  mode = args[1] or "ping"
  batch = tonumber(args[2] or "1")
  users = tonumber(args[3] or "1000")
  math.randomseed(os.time() * 1000 + thread_no * 7919)
  sent, answered, results, errors, bad_status = 0, 0, 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

local function call(id)
  if mode == "ping" then
    return '{"jsonrpc":"2.0","method":"ping","id":' .. id .. '}'
  end
  return '{"jsonrpc":"2.0","method":"spend_credits","params":["u' .. math.random(users) .. '",1],"id":' .. id .. '}'
end

function request()
  local body
  if batch == 1 then
    body = call(sent + 1)
  else
    local parts = {}
    for i = 1, batch do parts[i] = call(sent + i) end
    body = "[" .. table.concat(parts, ",") .. "]"
  end
  sent = sent + batch
  return wrk.format(nil, "/rpc", nil, body)
end

local function count(body, needle)
  local n, at = 0, 1
  while true do
    local _, last = string.find(body, needle, at, true)
    if not last then return n end
    n, at = n + 1, last + 1
  end
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    return
  end
  answered = answered + batch
  results = results + count(body, '"result"')
  errors = errors + count(body, '"error"')
end

function done(summary, latency, requests)
  local total = {sent = 0, answered = 0, results = 0, errors = 0, bad_status = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do total[name] = total[name] + thread:get(name) end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"socket_errors":%d,"calls_sent":%d,"calls_answered":%d,"results":%d,"errors":%d,"bad_status":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout, total.sent, total.answered, total.results,
    total.errors, total.bad_status))
end
