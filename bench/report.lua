-- wrk script: method and body from the environment, one JSON result line when done.
local method = os.getenv("BENCH_METHOD")
if method and method ~= "" then
  wrk.method = method
end
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local file = assert(io.open(body_file, "rb"))
  wrk.body = file:read("*a")
  file:close()
end

-- Rotating targets (BENCH_TARGETS_FILE, lines of "id<TAB>path<TAB>version"): each
-- request takes a target, its body gets the target's version for %VERSION%, and the
-- answer's new version (its first "id" and "version") puts the target back. With more targets than connections no
-- two requests in flight share one, so no request is refused for a stale version.
local targets_file = os.getenv("BENCH_TARGETS_FILE")
if targets_file and targets_file ~= "" then
  local queue, paths = {}, {}
  for line in io.lines(targets_file) do
    local id, path, version = line:match("^(%S+)\t(%S+)\t(%S+)$")
    paths[id] = path
    table.insert(queue, {path, version, id})
  end
  -- A body may also name the target's id (%ID%) and a counter (%N%), so that each change
  -- differs from the last (an identical update is refused).
  local template = wrk.body
  local counter = 0
  request = function()
    local target = table.remove(queue, 1)
    assert(target, "more connections than targets")
    if not template then
      return wrk.format(nil, target[1])
    end
    counter = counter + 1
    local body = template:gsub("%%VERSION%%", target[2])
    body = body:gsub("%%ID%%", target[3]):gsub("%%N%%", tostring(counter))
    return wrk.format(nil, target[1], nil, body)
  end
  response = function(status, headers, body)
    if status == 200 then
      local id = body:match('"id":"([^"]+)"')
      local version = body:match('"version":"([^"]+)"')
      if id and paths[id] then
        table.insert(queue, {paths[id], version, id})
      end
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d," ..
    "\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"mean_us\":%.1f," ..
    "\"errors\":{\"connect\":%d,\"read\":%d,\"write\":%d,\"status\":%d,\"timeout\":%d}}\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
