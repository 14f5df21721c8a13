// spectral: 10 rounds of u -> v -> u products with
// A(i, j) = 1 / ((i + j)(i + j + 1) / 2 + i + 1) over float arrays
// (Shape suite 05_spectral); prints u[0] as Python's repr() would. Argument: n.
const fmtFloat = require("../common/pyfloat.js");

function aTimes(src, dst, n) {
  let i = 0;
  while (i < n) {
    let sum = 0.0;
    let j = 0;
    while (j < n) {
      const denom = ((i + j) * (i + j + 1)) / 2.0 + i + 1.0;
      sum = sum + src[j] / denom;
      j = j + 1;
    }
    dst[i] = sum;
    i = i + 1;
  }
}

function spectral(n) {
  const u = [];
  const v = [];
  let i = 0;
  while (i < n) {
    u.push(1.0);
    v.push(0.0);
    i = i + 1;
  }
  let round = 0;
  while (round < 10) {
    aTimes(u, v, n);
    aTimes(v, u, n);
    round = round + 1;
  }
  return u[0];
}

const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 1100;
console.log(fmtFloat(spectral(n)));
