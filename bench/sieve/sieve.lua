-- sieve: sieve of Eratosthenes (Shape suite 03_sieve); prints the number of
-- primes <= n. Flags are a 0-based table filled by appending, like Shape's push.
-- Runs on Lua 5.4 and LuaJIT. Argument: n.
local function mark_composites(flags, p, n)
  local j = p * p
  while j <= n do
    flags[j] = false
    j = j + p
  end
end

local function sieve(n)
  local flags = {}
  local i = 0
  while i <= n do
    flags[i] = true
    i = i + 1
  end
  local p = 2
  while p * p <= n do
    if flags[p] then
      mark_composites(flags, p, n)
    end
    p = p + 1
  end
  local count = 0
  local k = 2
  while k <= n do
    if flags[k] then
      count = count + 1
    end
    k = k + 1
  end
  return count
end

local n = tonumber(arg[1] or "12000000")
print(string.format("%d", sieve(n)))
