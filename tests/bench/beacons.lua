-- wrk script of bench_beacons.sh: each request is the next signed beacon
-- path of the file $BEACON_PATHS (each thread starts at its own offset).
local paths = {}
local i = 0

init = function(args)
  for line in io.lines(os.getenv("BEACON_PATHS")) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
  i = math.random(#paths)
end

request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
