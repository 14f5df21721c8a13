// binary_trees: the Benchmarks Game allocation benchmark: a stretch tree, a
// long-lived tree, then many short-lived trees of depths 4, 6, ... max_depth,
// each checked by counting its nodes. Argument: max_depth.
function makeTree(depth) {
  if (depth === 0) return { left: null, right: null };
  return { left: makeTree(depth - 1), right: makeTree(depth - 1) };
}

function checkTree(t) {
  if (t.left === null) return 1;
  return 1 + checkTree(t.left) + checkTree(t.right);
}

function binaryTrees(n) {
  const minDepth = 4;
  let maxDepth = n;
  if (maxDepth < minDepth + 2) maxDepth = minDepth + 2;
  const stretch = maxDepth + 1;
  console.log(`stretch tree of depth ${stretch} check: ${checkTree(makeTree(stretch))}`);
  const longLived = makeTree(maxDepth);
  let depth = minDepth;
  while (depth <= maxDepth) {
    let iterations = 1;
    let k = 0;
    while (k < maxDepth - depth + minDepth) {
      iterations = iterations * 2;
      k = k + 1;
    }
    let check = 0;
    let i = 0;
    while (i < iterations) {
      check = check + checkTree(makeTree(depth));
      i = i + 1;
    }
    console.log(`${iterations} trees of depth ${depth} check: ${check}`);
    depth = depth + 2;
  }
  console.log(`long lived tree of depth ${maxDepth} check: ${checkTree(longLived)}`);
}

binaryTrees(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 15);
