-- string_concat: s = s .. "x" repeated n times (Shape suite 14_string_concat);
-- prints #s. Runs on Lua 5.4 and LuaJIT. Argument: n.
local function string_concat(n)
  local s = ""
  local i = 0
  while i < n do
    s = s .. "x"
    i = i + 1
  end
  return #s
end

print(string.format("%d", string_concat(tonumber(arg[1] or "120000"))))
