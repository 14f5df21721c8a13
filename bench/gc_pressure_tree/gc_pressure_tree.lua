-- gc_pressure_tree: build a complete binary tree of tables (depth d) and count
-- its nodes, repeated (Shape suite 15_gc_pressure_tree); prints the total node
-- count. Runs on Lua 5.4 and LuaJIT. Arguments: depth, repetitions.
local function build_tree(depth)
  if depth == 0 then return { left = nil, right = nil } end
  return { left = build_tree(depth - 1), right = build_tree(depth - 1) }
end

local function count(node)
  if node == nil then return 0 end
  return 1 + count(node.left) + count(node.right)
end

local function gc_pressure_tree(depth, iterations)
  local total = 0
  local i = 0
  while i < iterations do
    total = total + count(build_tree(depth))
    i = i + 1
  end
  return total
end

local depth = tonumber(arg[1] or "18")
local reps = tonumber(arg[2] or "4")
print(string.format("%d", gc_pressure_tree(depth, reps)))
