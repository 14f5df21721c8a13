-- collatz: longest Collatz chain for starts below a limit (Shape suite
-- 08_collatz); prints the start and its chain length. Runs on Lua 5.4 and
-- LuaJIT: halving is `n / 2`, exact because n is even (Lua 5.4 then carries n
-- as a float, which stays exact far below 2^53). Argument: limit.
local function collatz_len(start)
  local n = start
  local steps = 1
  while n ~= 1 do
    if n % 2 == 0 then
      n = n / 2
    else
      n = 3 * n + 1
    end
    steps = steps + 1
  end
  return steps
end

local function longest(limit)
  local best, best_start = 0, 0
  local s = 1
  while s < limit do
    local len_s = collatz_len(s)
    if len_s > best then
      best = len_s
      best_start = s
    end
    s = s + 1
  end
  print(string.format("%d %d", best_start, best))
end

longest(tonumber(arg[1] or "300000"))
