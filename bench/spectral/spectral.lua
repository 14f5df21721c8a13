-- spectral: 10 rounds of u -> v -> u products with
-- A(i, j) = 1 / ((i + j)(i + j + 1) / 2 + i + 1) over float arrays
-- (Shape suite 05_spectral); prints u[0] as Python's repr() would.
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

local function a_times(src, dst, n)
  local i = 0
  while i < n do
    local sum = 0.0
    local j = 0
    while j < n do
      local denom = (i + j) * (i + j + 1) / 2.0 + i + 1.0
      sum = sum + src[j] / denom
      j = j + 1
    end
    dst[i] = sum
    i = i + 1
  end
end

local function spectral(n)
  local u, v = {}, {}
  local i = 0
  while i < n do
    u[i] = 1.0
    v[i] = 0.0
    i = i + 1
  end
  local round = 0
  while round < 10 do
    a_times(u, v, n)
    a_times(v, u, n)
    round = round + 1
  end
  return u[0]
end

local n = tonumber(arg[1] or "1100")
print(fmt_float(spectral(n)))
