-- primes_count: trial-division primality test for every n below a limit
-- (Shape suite 10_primes_count); prints how many are prime. Runs on Lua 5.4
-- and LuaJIT. Argument: limit.
local function is_prime(n)
  if n < 2 then return false end
  local d = 2
  while d * d <= n do
    if n % d == 0 then return false end
    d = d + 1
  end
  return true
end

local function primes_count(limit)
  local count = 0
  local n = 0
  while n < limit do
    if is_prime(n) then
      count = count + 1
    end
    n = n + 1
  end
  return count
end

print(string.format("%d", primes_count(tonumber(arg[1] or "900000"))))
