-- array_of_objects: n records {x, y, mass} (tables) appended to a 0-based
-- table, then the sum of their masses (Shape suite 16_array_of_objects);
-- prints the sum as Python's repr() would. Runs on Lua 5.4 and LuaJIT.
-- Argument: n.
local fmt_float = dofile((arg[0]:match("^(.*)/[^/]+/[^/]+$") or "..") .. "/common/pyfloat.lua")

local function array_of_objects(n)
  local particles = {}
  local i = 0
  while i < n do
    particles[i] = { x = i * 1.0, y = i * 2.0, mass = (i % 10) * 0.5 + 1.0 }
    i = i + 1
  end
  local sum = 0.0
  local j = 0
  while j < n do
    sum = sum + particles[j].mass
    j = j + 1
  end
  return sum
end

print(fmt_float(array_of_objects(tonumber(arg[1] or "2000000"))))
