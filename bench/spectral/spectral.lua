-- spectral: 10 rounds of u -> v -> u products with
-- A(i, j) = 1 / ((i + j)(i + j + 1) / 2 + i + 1) over float arrays
-- (Shape suite 05_spectral); prints u[0] as Python's repr() would.
-- Runs on Lua 5.4 and LuaJIT. Arrays are 0-based tables. Argument: n.
local fmt_float = dofile((arg[0]:match("^(.*)/[^/]+/[^/]+$") or "..") .. "/common/pyfloat.lua")

local function a_times(src, dst, n)
  local i = 0
  while i < n do
    local sum = 0.0
    local j = 0
    while j < n do
      local denom = (i + j) * (i + j + 1) / 2.0 + i + 1.0
      sum = sum + src[j] / denom
      j = j + 1
    end
    dst[i] = sum
    i = i + 1
  end
end

local function spectral(n)
  local u, v = {}, {}
  local i = 0
  while i < n do
    u[i] = 1.0
    v[i] = 0.0
    i = i + 1
  end
  local round = 0
  while round < 10 do
    a_times(u, v, n)
    a_times(v, u, n)
    round = round + 1
  end
  return u[0]
end

local n = tonumber(arg[1] or "1100")
print(fmt_float(spectral(n)))
