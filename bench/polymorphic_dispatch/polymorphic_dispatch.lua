-- polymorphic_dispatch: three record kinds (linear, quadratic, cubic) picked
-- by i % 3 and evaluated at x = i % 100 (Shape suite 12_polymorphic_dispatch);
-- prints the float sum as Python's repr() would. Runs on Lua 5.4 and LuaJIT.
-- Argument: n.
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

local function polymorphic_dispatch(n)
  local lin = { slope = 2.0, intercept = 1.0 }
  local quad = { a = 1.0, b = 2.0, c = 3.0 }
  local cub = { a = 0.5, b = 1.0, c = 1.5, d = 2.0 }
  local sum = 0.0
  local i = 0
  while i < n do
    local x = (i % 100) * 1.0
    local r = i % 3
    if r == 0 then
      sum = sum + lin.slope * x + lin.intercept
    elseif r == 1 then
      sum = sum + quad.a * x * x + quad.b * x + quad.c
    else
      sum = sum + cub.a * x * x * x + cub.b * x * x + cub.c * x + cub.d
    end
    i = i + 1
  end
  return sum
end

print(fmt_float(polymorphic_dispatch(tonumber(arg[1] or "14000000"))))
