-- closure_counting: creates closures in a loop (a counter whose captured
-- upvalue is shared by an incrementing and a reading closure, and an adder)
-- and calls them; prints a running total kept below 1_000_003.
-- Runs on Lua 5.4 and LuaJIT. Argument: rounds.
local function make_counter(step)
  local count = 0
  local inc = function()
    count = count + step
    return count
  end
  local get = function() return count end
  return { inc, get }
end

local function make_adder(k)
  return function(x) return x + k end
end

local function closure_counting(rounds)
  local total = 0
  local round = 0
  while round < rounds do
    local counter = make_counter(round % 5 + 1)
    local inc = counter[1]
    local get = counter[2]
    local add = make_adder(round % 3)
    local j = 0
    while j < 10 do
      inc()
      total = (add(total) + get()) % 1000003
      j = j + 1
    end
    round = round + 1
  end
  return total
end

print(string.format("%d", closure_counting(tonumber(arg[1] or "1000000"))))
