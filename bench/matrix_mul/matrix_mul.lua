-- matrix_mul: n x n float matrices in flat 0-based tables, triple loop
-- (Shape suite 09_matrix_mul); prints c[0] and c[n*n-1] as Python's repr()
-- would. Runs on Lua 5.4 and LuaJIT. Argument: n.
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

local function mat_mul_inner(c, a, b, n)
  local i = 0
  while i < n do
    local j = 0
    while j < n do
      local sum = 0.0
      local k = 0
      while k < n do
        sum = sum + a[i * n + k] * b[k * n + j]
        k = k + 1
      end
      c[i * n + j] = sum
      j = j + 1
    end
    i = i + 1
  end
end

local function mat_mul(n)
  local a, b, c = {}, {}, {}
  local idx = 0
  while idx < n * n do
    a[idx] = idx * 1.0
    b[idx] = (n * n - idx) * 1.0
    c[idx] = 0.0
    idx = idx + 1
  end
  mat_mul_inner(c, a, b, n)
  print(fmt_float(c[0]) .. " " .. fmt_float(c[n * n - 1]))
end

mat_mul(tonumber(arg[1] or "300"))
