-- matrix_mul: n x n float matrices in flat 0-based tables, triple loop
-- (Shape suite 09_matrix_mul); prints c[0] and c[n*n-1] as Python's repr()
-- would. Runs on Lua 5.4 and LuaJIT. Argument: n.
local fmt_float = dofile((arg[0]:match("^(.*)/[^/]+/[^/]+$") or "..") .. "/common/pyfloat.lua")

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
