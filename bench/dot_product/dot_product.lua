-- dot_product: two float arrays of n elements built by appending, then their
-- dot product (Shape suite 07b_dot_product); prints it as Python's repr() would.
-- Runs on Lua 5.4 and LuaJIT. Arrays are 0-based tables. Argument: n.
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

local n = tonumber(arg[1] or "8000000")
print(fmt_float(dot_product(n)))
