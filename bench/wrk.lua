-- Replays a request file (one request a line: METHOD<TAB>PATH<TAB>BODY), rotating through it
-- from a different offset on each thread, and counts as errors every non-2xx answer and every
-- 2xx answer whose `errors` array is not empty (804, insufficient points, is counted apart).
--   wrk -t1 -c16 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- FILE "Basic ..."
-- done() prints one line "BENCHJSON {...}" that bench/load.py parses.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

function init(args)
  local file, auth = args[1], args[2]
  requests = {}
  for line in io.lines(file) do
    local method, path, body = line:match("^(%u+)\t([^\t]*)\t(.*)$")
    if method then
      local headers = { ["Authorization"] = auth }
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  index = ((tid or 1) * 1009) % #requests
  errors = 0
  insufficient = 0
  first_error = ""
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    errors = errors + 1
  elseif body and body:find('"errors"%s*:%s*%[%s*{') then
    errors = errors + 1
    if body:find('"code"%s*:%s*804[^%d]') then
      insufficient = insufficient + 1
    end
  else
    return
  end
  if first_error == "" then
    first_error = tostring(status) .. " " .. string.sub(body or "", 1, 300)
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function done(summary, latency, _)
  local errs, short, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    errs = errs + (thread:get("errors") or 0)
    short = short + (thread:get("insufficient") or 0)
    local first = thread:get("first_error") or ""
    if sample == "" then sample = first end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"errors":%d,"insufficient":%d,"socket_errors":%d,' ..
    '"timeouts":%d,"sample_error":%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, errs, short,
    e.connect + e.read + e.write, e.timeout, json_string(sample)))
end
