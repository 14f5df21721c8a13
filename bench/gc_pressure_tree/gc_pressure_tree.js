// gc_pressure_tree: build a complete binary tree of records (depth d) and count
// its nodes, repeated (Shape suite 15_gc_pressure_tree); prints the total node
// count. Arguments: depth, repetitions.
function buildTree(depth) {
  if (depth === 0) return { left: null, right: null };
  return { left: buildTree(depth - 1), right: buildTree(depth - 1) };
}

function count(node) {
  if (node === null) return 0;
  return 1 + count(node.left) + count(node.right);
}

function gcPressureTree(depth, iterations) {
  let total = 0;
  let i = 0;
  while (i < iterations) {
    total = total + count(buildTree(depth));
    i = i + 1;
  }
  return total;
}

const depth = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 18;
const reps = process.argv.length > 3 ? parseInt(process.argv[3], 10) : 4;
console.log(String(gcPressureTree(depth, reps)));
