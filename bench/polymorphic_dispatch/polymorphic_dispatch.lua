-- polymorphic_dispatch: three record kinds (linear, quadratic, cubic) picked
-- by i % 3 and evaluated at x = i % 100 (Shape suite 12_polymorphic_dispatch);
-- prints the float sum as Python's repr() would. Runs on Lua 5.4 and LuaJIT.
-- Argument: n.
local fmt_float = dofile((arg[0]:match("^(.*)/[^/]+/[^/]+$") or "..") .. "/common/pyfloat.lua")

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
