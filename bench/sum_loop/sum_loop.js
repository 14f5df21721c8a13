// sum_loop: float loop summing i for i = 0.0, 1.0, ... below n (Shape suite
// 07_sum_loop); prints the sum as Python's repr() would (exact below 2^53).
// Argument: n.
const fmtFloat = require("../common/pyfloat.js");

function sumLoop(n) {
  const limit = n * 1.0;
  let sum = 0.0;
  let i = 0.0;
  while (i < limit) {
    sum = sum + i;
    i = i + 1.0;
  }
  return sum;
}

const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 100000000;
console.log(fmtFloat(sumLoop(n)));
