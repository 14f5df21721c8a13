-- dot_product: two float arrays of n elements built by appending, then their
-- dot product (Shape suite 07b_dot_product); prints it as Python's repr() would.
-- Runs on Lua 5.4 and LuaJIT. Arrays are 0-based tables. Argument: n.
local fmt_float = dofile((arg[0]:match("^(.*)/[^/]+/[^/]+$") or "..") .. "/common/pyfloat.lua")

local function dot_product(n)
  local a, b = {}, {}
  local i = 0
  while i < n do
    a[i] = (i % 100) * 0.5
    b[i] = (i % 7) * 0.25
    i = i + 1
  end
  local sum = 0.0
  local j = 0
  while j < n do
    sum = sum + a[j] * b[j]
    j = j + 1
  end
  return sum
end

local n = tonumber(arg[1] or "10000000")
print(fmt_float(dot_product(n)))
