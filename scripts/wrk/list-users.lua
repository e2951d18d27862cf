-- wrk script: GET /admin/users (default limit 50) with a bearer token.
-- TOKEN (environment) holds the admin's JWT. Non-2xx answers are counted and
-- printed by done() so that a broken run cannot pass for a fast one.
local token = os.getenv("TOKEN") or error("TOKEN is not set")
wrk.method = "GET"
wrk.path = os.getenv("WRK_PATH") or "/admin/users"
wrk.headers["Authorization"] = "Bearer " .. token

local threads = {}
function setup(thread) table.insert(threads, thread) end

bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  io.write(string.format("non-200 responses: %d\n", total))
end
