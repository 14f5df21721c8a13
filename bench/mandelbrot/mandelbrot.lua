-- mandelbrot: size x size grid over [-1.5, 0.5) x [-1, 1), 50 iterations,
-- escape when |z|^2 > 4 (Shape suite 04_mandelbrot); prints how many points
-- never escape. Runs on Lua 5.4 and LuaJIT. Argument: size.
local function mandelbrot(size)
  local count = 0
  local y = 0
  while y < size do
    local ci = 2.0 * y / size - 1.0
    local x = 0
    while x < size do
      local cr = 2.0 * x / size - 1.5
      local zr, zi = 0.0, 0.0
      local i = 0
      local inside = true
      while i < 50 do
        local zr2 = zr * zr
        local zi2 = zi * zi
        if zr2 + zi2 > 4.0 then
          inside = false
          break
        end
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        i = i + 1
      end
      if inside then
        count = count + 1
      end
      x = x + 1
    end
    y = y + 1
  end
  return count
end

local size = tonumber(arg[1] or "1000")
print(string.format("%d", mandelbrot(size)))
