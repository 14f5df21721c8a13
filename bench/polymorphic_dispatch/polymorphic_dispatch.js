// polymorphic_dispatch: three record kinds (linear, quadratic, cubic) picked
// by i % 3 and evaluated at x = i % 100 (Shape suite 12_polymorphic_dispatch);
// prints the float sum as Python's repr() would. Argument: n.
const fmtFloat = require("../common/pyfloat.js");

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
