-- object_property_loop: a 5-field record (a table) read field by field in a
-- loop and summed (Shape suite 11_object_property_loop); prints the sum.
-- Runs on Lua 5.4 and LuaJIT. Argument: n.
local function object_property_loop(n)
  local r = { a = 1, b = 2, c = 3, d = 4, e = 5 }
  local sum = 0
  local i = 0
  while i < n do
    sum = sum + r.a + r.b + r.c + r.d + r.e
    i = i + 1
  end
  return sum
end

print(string.format("%d", object_property_loop(tonumber(arg[1] or "15000000"))))
