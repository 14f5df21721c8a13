-- string_building: builds n report lines from pieces (tostring, ..), joins
-- them with "\n" (table.concat), splits the text again and measures the
-- pieces; prints the text length, the line count, the sum of line lengths and
-- the text's last 12 bytes. Runs on Lua 5.4 and LuaJIT. Argument: n.
local function build_text(n)
  local parts = {}
  local i = 0
  while i < n do
    local line = "row " .. string.format("%d", i) .. ": " .. string.format("%d", i * 7 % 1000) .. ";"
    parts[#parts + 1] = line
    i = i + 1
  end
  return table.concat(parts, "\n")
end

local function split(s, sep)
  local out = {}
  local start = 1
  while true do
    local at = string.find(s, sep, start, true)
    if at == nil then
      out[#out + 1] = string.sub(s, start)
      return out
    end
    out[#out + 1] = string.sub(s, start, at - 1)
    start = at + #sep
  end
end

local function string_building(n)
  local text = build_text(n)
  local lines = split(text, "\n")
  local total = 0
  for _, line in ipairs(lines) do
    total = total + #line
  end
  local size = #text
  print(string.format("%d %d %d %s", size, #lines, total, string.sub(text, size - 11, size)))
end

string_building(tonumber(arg[1] or "450000"))
