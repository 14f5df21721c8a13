-- fib: recursive Fibonacci (Shape suite 01_fib); prints fib(n). Argument: n.
-- Runs on Lua 5.4 and LuaJIT; fib(n) stays below 2^53, so doubles are exact.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local n = tonumber(arg[1] or "36")
print(string.format("%d", fib(n)))
