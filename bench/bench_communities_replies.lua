-- wrk script for bench_communities_replies.py: each wrk thread takes its share of the posters
-- (one line each in the file named by POSTERS: "<cookie>\t<thread id>") and posts replies in
-- turn, each poster with its own session cookie to its own class thread, through the real form
-- view (POST /communities/threads/<id>/, answered 302 to the thread's page). Counts statuses.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

-- THINK_MS > 0: each connection waits that long after a reply before its next (teachers who read
-- before they answer), so the rate is what the connections ask for, not all the server can take.
local think = tonumber(os.getenv("THINK_MS") or "0")
if think > 0 then
  function delay()
    return think
  end
end

local posters = {}
local next_poster = 1
local sent = 0
statuses = {}

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  local i = 0
  for line in io.lines(os.getenv("POSTERS")) do
    if i % nthreads == tid - 1 then
      local cookie, thread = line:match("([^\t]+)\t([^\t]+)")
      table.insert(posters, {cookie = cookie, path = "/communities/threads/" .. thread .. "/"})
    end
    i = i + 1
  end
end

function request()
  local p = posters[next_poster]
  next_poster = next_poster % #posters + 1
  sent = sent + 1
  -- Chinese text, url-encoded: "基准回复" and a running number, as a teacher's short reply.
  local body = "body=%E5%9F%BA%E5%87%86%E5%9B%9E%E5%A4%8D" .. tid .. "-" .. sent
  return wrk.format("POST", p.path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = p.cookie,
    ["X-CSRFToken"] = os.getenv("CSRF") or "",
    ["Referer"] = "http://127.0.0.1/",
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do counts[code] = (counts[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, code .. ":" .. n) end
  io.write(string.format("WRK requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d statuses=%s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")))
end
