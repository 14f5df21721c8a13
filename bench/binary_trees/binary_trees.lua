-- binary_trees: the Benchmarks Game allocation benchmark: a stretch tree, a
-- long-lived tree, then many short-lived trees of depths 4, 6, ... max_depth,
-- each checked by counting its nodes. Runs on Lua 5.4 and LuaJIT.
-- Argument: max_depth.
local function make_tree(depth)
  if depth == 0 then return { left = nil, right = nil } end
  return { left = make_tree(depth - 1), right = make_tree(depth - 1) }
end

local function check_tree(t)
  if t.left == nil then return 1 end
  return 1 + check_tree(t.left) + check_tree(t.right)
end

local function binary_trees(n)
  local min_depth = 4
  local max_depth = n
  if max_depth < min_depth + 2 then max_depth = min_depth + 2 end
  local stretch = max_depth + 1
  print(string.format("stretch tree of depth %d check: %d", stretch, check_tree(make_tree(stretch))))
  local long_lived = make_tree(max_depth)
  local depth = min_depth
  while depth <= max_depth do
    local iterations = 1
    local k = 0
    while k < max_depth - depth + min_depth do
      iterations = iterations * 2
      k = k + 1
    end
    local check = 0
    local i = 0
    while i < iterations do
      check = check + check_tree(make_tree(depth))
      i = i + 1
    end
    print(string.format("%d trees of depth %d check: %d", iterations, depth, check))
    depth = depth + 2
  end
  print(string.format("long lived tree of depth %d check: %d", max_depth, check_tree(long_lived)))
end

binary_trees(tonumber(arg[1] or "15"))
