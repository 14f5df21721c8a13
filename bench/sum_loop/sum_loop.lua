-- sum_loop: float loop summing i for i = 0.0, 1.0, ... below n (Shape suite
-- 07_sum_loop); prints the sum as Python's repr() would (exact below 2^53).
-- Runs on Lua 5.4 and LuaJIT. Argument: n.
local fmt_float = dofile((arg[0]:match("^(.*)/[^/]+/[^/]+$") or "..") .. "/common/pyfloat.lua")

local function sum_loop(n)
  local limit = n * 1.0
  local sum = 0.0
  local i = 0.0
  while i < limit do
    sum = sum + i
    i = i + 1.0
  end
  return sum
end

local n = tonumber(arg[1] or "100000000")
print(fmt_float(sum_loop(n)))
