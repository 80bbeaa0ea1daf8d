-- wrk script for bench_heartbeat.py: each wrk thread takes its share of the viewers (one line
-- each in the file named by VIEWERS: "<cookie>\t<playback token>\t<resume position>") and
-- sends their heartbeats in turn, each viewer with its own cookie, token, a seq that goes up
-- by one and the next CLAIM seconds of the lesson as the played interval.
--
-- Time is compressed: a real player beats every 20 s and claims the 20 s it played, which the
-- server credits whole (the wall clock allows it), so a viewer's union of played intervals stays
-- one interval. Here each viewer beats every fraction of a second, so it claims a fraction
-- (CLAIM, default 0.05 s: less than the wall time between two beats of a viewer at up to 20,000
-- beats/s) and is credited all of it, as a real viewer is. Claiming 20 s per beat instead would
-- be credited only the wall time since the last beat and leave a gap per beat: a union of
-- hundreds of fragments that no honest viewer has, which makes every beat slower.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local viewers = {}
local next_viewer = 1
statuses = {}

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  local i = 0
  for line in io.lines(os.getenv("VIEWERS")) do
    if i % nthreads == tid - 1 then
      local cookie, token, pos = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
      table.insert(viewers, {cookie = cookie, token = token, pos = tonumber(pos), seq = 0})
    end
    i = i + 1
  end
end

local LESSON = tonumber(os.getenv("LESSON_SECONDS") or "21600")
local CLAIM = tonumber(os.getenv("CLAIM") or "0.05")

function request()
  local v = viewers[next_viewer]
  next_viewer = next_viewer % #viewers + 1
  v.seq = v.seq + 1
  local a = v.pos
  local b = a + CLAIM
  if b > LESSON then a = 0; b = CLAIM end
  v.pos = b
  local body = string.format(
    '{"session":"%s","seq":%d,"intervals":[[%.2f,%.2f]],"rate":1.0,"visible":true,"position":%.2f}',
    v.token, v.seq, a, b, b)
  return wrk.format("POST", os.getenv("HB_PATH") or "/learn/heartbeat", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = v.cookie,
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
