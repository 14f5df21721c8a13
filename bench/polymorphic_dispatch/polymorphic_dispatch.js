// polymorphic_dispatch: three record kinds (linear, quadratic, cubic) picked
// by i % 3 and evaluated at x = i % 100 (Shape suite 12_polymorphic_dispatch);
// prints the float sum as Python's repr() would. Argument: n.
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

function polymorphicDispatch(n) {
  const lin = { slope: 2.0, intercept: 1.0 };
  const quad = { a: 1.0, b: 2.0, c: 3.0 };
  const cub = { a: 0.5, b: 1.0, c: 1.5, d: 2.0 };
  let sum = 0.0;
  let i = 0;
  while (i < n) {
    const x = (i % 100) * 1.0;
    const r = i % 3;
    if (r === 0) {
      sum = sum + lin.slope * x + lin.intercept;
    } else if (r === 1) {
      sum = sum + quad.a * x * x + quad.b * x + quad.c;
    } else {
      sum = sum + cub.a * x * x * x + cub.b * x * x + cub.c * x + cub.d;
    }
    i = i + 1;
  }
  return sum;
}

console.log(fmtFloat(polymorphicDispatch(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 14000000)));
