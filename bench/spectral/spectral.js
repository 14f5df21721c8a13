// spectral: 10 rounds of u -> v -> u products with
// A(i, j) = 1 / ((i + j)(i + j + 1) / 2 + i + 1) over float arrays
// (Shape suite 05_spectral); prints u[0] as Python's repr() would. Argument: n.
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
