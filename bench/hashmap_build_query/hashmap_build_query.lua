-- hashmap_build_query: build a table with m[i] = i * 2.5 for n int keys, then
-- sum m[i] over them (Shape suite 13_hashmap_build_query); prints the sum as
-- Python's repr() would. Runs on Lua 5.4 and LuaJIT. Argument: n.
-- Lua keeps the int keys 0..n-1 in the table's array part, so this costs Lua
-- far less than a hash map: n = 16M for Lua to take about 0.5 s (node --jitless
-- then needs about 24 s). It cannot grow further: a V8 Map holds at most 2^24
-- entries.
local fmt_float = dofile((arg[0]:match("^(.*)/[^/]+/[^/]+$") or "..") .. "/common/pyfloat.lua")

local function hashmap_build_query(n)
  local m = {}
  local i = 0
  while i < n do
    m[i] = i * 2.5
    i = i + 1
  end
  local sum = 0.0
  local j = 0
  while j < n do
    sum = sum + m[j]
    j = j + 1
  end
  return sum
end

print(fmt_float(hashmap_build_query(tonumber(arg[1] or "16000000"))))
