-- wrk script: POST /admin/invites, each request with a distinct email
-- (run prefix + thread number + counter), bearer token from TOKEN.
-- RUN_ID (environment, default the current time) keeps emails distinct
-- across runs against the same database. Non-200 answers are counted and
-- printed by done().
local token = os.getenv("TOKEN") or error("TOKEN is not set")
local run = os.getenv("RUN_ID") or tostring(os.time())

local threads = {}
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local n = 0
bad = 0
function request()
  n = n + 1
  local body = string.format('{"email":"lt-%s-%d-%d@example.com"}', run, tid, n)
  return wrk.format("POST", "/admin/invites", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  io.write(string.format("non-200 responses: %d\n", total))
end
