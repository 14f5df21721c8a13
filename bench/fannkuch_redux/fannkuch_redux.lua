-- fannkuch_redux: the Benchmarks Game pancake-flipping benchmark: for every
-- permutation of 0..n-1 (in the benchmark's order) count the prefix reversals
-- until 0 comes first; prints the checksum and the maximum flip count.
-- Runs on Lua 5.4 and LuaJIT. Arrays are 0-based tables. Argument: n.
local function fannkuch(n)
  local perm, perm1, count = {}, {}, {}
  local i = 0
  while i < n do
    perm[i] = 0
    perm1[i] = i
    count[i] = 0
    i = i + 1
  end
  local max_flips, checksum, perm_count = 0, 0, 0
  local r = n
  while true do
    while r ~= 1 do
      count[r - 1] = r
      r = r - 1
    end
    local m = 0
    while m < n do
      perm[m] = perm1[m]
      m = m + 1
    end
    local flips = 0
    local k = perm[0]
    while k ~= 0 do
      local lo, hi = 0, k
      while lo < hi do
        local t = perm[lo]
        perm[lo] = perm[hi]
        perm[hi] = t
        lo = lo + 1
        hi = hi - 1
      end
      flips = flips + 1
      k = perm[0]
    end
    if flips > max_flips then max_flips = flips end
    if perm_count % 2 == 0 then
      checksum = checksum + flips
    else
      checksum = checksum - flips
    end
    -- next permutation
    while true do
      if r == n then
        print(string.format("%d", checksum))
        print(string.format("Pfannkuchen(%d) = %d", n, max_flips))
        return
      end
      local perm0 = perm1[0]
      local s = 0
      while s < r do
        perm1[s] = perm1[s + 1]
        s = s + 1
      end
      perm1[r] = perm0
      count[r] = count[r] - 1
      if count[r] > 0 then break end
      r = r + 1
    end
    perm_count = perm_count + 1
  end
end

fannkuch(tonumber(arg[1] or "10"))
