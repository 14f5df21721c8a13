-- fib_iter: iterative Fibonacci (Shape suite 02_fib_iter); prints fib(n) mod
-- 1_000_000_007 (modulo instead of 64-bit wrap so LuaJIT's doubles stay exact).
-- Runs on Lua 5.4 and LuaJIT. Argument: n.
local function fib_iter(n)
  local a, b = 0, 1
  local i = 0
  while i < n do
    local t = (a + b) % 1000000007
    a = b
    b = t
    i = i + 1
  end
  return a
end

local n = tonumber(arg[1] or "50000000")
print(string.format("%d", fib_iter(n)))
