// The text Python's repr() gives for a float (shortest round-trip digits), so
// that every runtime's version of a benchmark prints the same line.
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

module.exports = fmtFloat;
