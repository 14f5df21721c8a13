// matrix_mul: n x n float matrices in flat arrays, triple loop
// (Shape suite 09_matrix_mul); prints c[0] and c[n*n-1] as Python's repr()
// would. Argument: n.
// fmtFloat: the text Python's repr() gives for a float (shortest round-trip
// digits), so that every runtime prints the same line.
function fmtFloat(x) {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(x.toExponential());
  const sign = m[1];
  const digits = m[2] + (m[3] || "");
  const e = parseInt(m[4], 10);
  if (e >= -4 && e < 16) {
    if (e < 0) return sign + "0." + "0".repeat(-e - 1) + digits;
    if (digits.length > e + 1) return sign + digits.slice(0, e + 1) + "." + digits.slice(e + 1);
    return sign + digits + "0".repeat(e + 1 - digits.length) + ".0";
  }
  const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
  return sign + mant + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
}

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
