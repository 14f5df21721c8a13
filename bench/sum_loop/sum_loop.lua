-- sum_loop: float loop summing i for i = 0.0, 1.0, ... below n (Shape suite
-- 07_sum_loop); prints the sum as Python's repr() would (exact below 2^53).
-- Runs on Lua 5.4 and LuaJIT. Argument: n.
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
