-- map_word_count: generates a text of n words deterministically (Park-Miller
-- generator, words of three syllables from a 1000-word vocabulary, skewed so
-- some words are frequent, 12 words a line), then counts the words in a table.
-- Prints the number of distinct words, the total, and the most frequent word
-- with its count (ties go to the smaller word). Runs on Lua 5.4 and LuaJIT:
-- seed * 16807 < 2^53, so doubles stay exact; int `/` is math.floor(a / b).
-- Argument: n.
local floor = math.floor

local function generate(n)
  local syl = { [0] = "ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "zu" }
  local seed = 42
  local lines = {}
  local words = {}
  local i = 0
  while i < n do
    seed = seed * 16807 % 2147483647
    local w = math.min(seed % 1000, floor(seed / 1000) % 1000)
    words[#words + 1] = syl[w % 10] .. syl[floor(w / 10) % 10] .. syl[floor(w / 100)]
    if #words == 12 then
      lines[#lines + 1] = table.concat(words, " ")
      words = {}
    end
    i = i + 1
  end
  if #words > 0 then lines[#lines + 1] = table.concat(words, " ") end
  return table.concat(lines, "\n")
end

local function count_words(text)
  local counts = {}
  local distinct = 0
  for line in string.gmatch(text, "[^\n]+") do
    for word in string.gmatch(line, "[^ ]+") do
      local c = counts[word]
      if c == nil then
        counts[word] = 1
        distinct = distinct + 1
      else
        counts[word] = c + 1
      end
    end
  end
  return counts, distinct
end

local function map_word_count(n)
  local counts, distinct = count_words(generate(n))
  local total = 0
  local best, best_count = "", 0
  for word, c in pairs(counts) do
    total = total + c
    if c > best_count or (c == best_count and word < best) then
      best = word
      best_count = c
    end
  end
  print(string.format("%d %d %s %d", distinct, total, best, best_count))
end

map_word_count(tonumber(arg[1] or "1500000"))
