// matrix_mul: n x n float matrices in flat arrays, triple loop
// (Shape suite 09_matrix_mul); prints c[0] and c[n*n-1] as Python's repr()
// would. Argument: n.
const fmtFloat = require("../common/pyfloat.js");

function matMulInner(c, a, b, n) {
  let i = 0;
  while (i < n) {
    let j = 0;
    while (j < n) {
      let sum = 0.0;
      let k = 0;
      while (k < n) {
        sum = sum + a[i * n + k] * b[k * n + j];
        k = k + 1;
      }
      c[i * n + j] = sum;
      j = j + 1;
    }
    i = i + 1;
  }
}

function matMul(n) {
  const a = [];
  const b = [];
  const c = [];
  let idx = 0;
  while (idx < n * n) {
    a.push(idx * 1.0);
    b.push((n * n - idx) * 1.0);
    c.push(0.0);
    idx = idx + 1;
  }
  matMulInner(c, a, b, n);
  console.log(fmtFloat(c[0]) + " " + fmtFloat(c[n * n - 1]));
}

matMul(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 300);
