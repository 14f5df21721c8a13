// dot_product: two float arrays of n elements built with push, then their dot
// product (Shape suite 07b_dot_product); prints it as Python's repr() would.
// Argument: n.
const fmtFloat = require("../common/pyfloat.js");

function dotProduct(n) {
  const a = [];
  const b = [];
  let i = 0;
  while (i < n) {
    a.push((i % 100) * 0.5);
    b.push((i % 7) * 0.25);
    i = i + 1;
  }
  let sum = 0.0;
  let j = 0;
  while (j < n) {
    sum = sum + a[j] * b[j];
    j = j + 1;
  }
  return sum;
}

const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 10000000;
console.log(fmtFloat(dotProduct(n)));
