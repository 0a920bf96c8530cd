-- wrk script: GET the platform components of a random one of the 500 benchmark clusters.
-- The key comes from the FLUX_KEY environment variable.
local key = os.getenv("FLUX_KEY")
math.randomseed(42)
request = function()
  local path = string.format("/api/v2/flux/clusters/cluster-%03d.k8s.example.com/platform-components", math.random(0, 499))
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. key })
end
