-- ackermann: Ackermann function computed recursively (Shape suite 06_ackermann);
-- prints ack(3, n). Runs on Lua 5.4 and LuaJIT. Argument: n.
local function ack(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, n - 1))
end

local n = tonumber(arg[1] or "10")
print(string.format("%d", ack(3, n)))
