-- hashmap_build_query: build a table with m[i] = i * 2.5 for n int keys, then
-- sum m[i] over them (Shape suite 13_hashmap_build_query); prints the sum as
-- Python's repr() would. Runs on Lua 5.4 and LuaJIT. Argument: n.
-- Lua keeps the int keys 0..n-1 in the table's array part, so this costs Lua
-- far less than a hash map; n stays at 2M (not Lua-time-sized) so the other
-- runtimes' memory stays moderate.
-- fmt_float: the text Python's repr() gives for a float (shortest round-trip
-- digits), so that every runtime prints the same line.
local function fmt_float(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  if x == 0 then
    if 1 / x < 0 then return "-0.0" end
    return "0.0"
  end
  local s
  for p = 0, 16 do
    s = string.format("%." .. p .. "e", x)
    if tonumber(s) == x then break end
  end
  local sign, d1, rest, ex = s:match("^(-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits = d1 .. rest
  local e = tonumber(ex)
  if e >= -4 and e < 16 then
    if e < 0 then return sign .. "0." .. string.rep("0", -e - 1) .. digits end
    if #digits > e + 1 then
      return sign .. digits:sub(1, e + 1) .. "." .. digits:sub(e + 2)
    end
    return sign .. digits .. string.rep("0", e + 1 - #digits) .. ".0"
  end
  local mant = d1
  if #rest > 0 then mant = d1 .. "." .. rest end
  local esign = "+"
  if e < 0 then esign = "-" end
  return string.format("%s%se%s%02d", sign, mant, esign, math.abs(e))
end

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

print(fmt_float(hashmap_build_query(tonumber(arg[1] or "2000000"))))
