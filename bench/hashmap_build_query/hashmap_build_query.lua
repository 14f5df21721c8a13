-- hashmap_build_query: build a table with m[i] = i * 2.5 for n int keys, then
-- sum m[i] over them (Shape suite 13_hashmap_build_query), once per repetition
-- with a fresh table; prints the total as Python's repr() would. Runs on Lua
-- 5.4 and LuaJIT. Arguments: n, repetitions.
-- Lua keeps the int keys 0..n-1 in the table's array part, so this costs Lua
-- far less than a hash map, and n alone cannot make it take 0.5 s: a V8 Map
-- holds at most 2^24 entries. So the work is repeated: two maps of 10M keys.
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

local function repeated(n, reps)
  local total = 0.0
  local i = 0
  while i < reps do
    total = total + hashmap_build_query(n)
    i = i + 1
  end
  return total
end

print(fmt_float(repeated(tonumber(arg[1] or "10000000"), tonumber(arg[2] or "2"))))
