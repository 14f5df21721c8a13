// fib_iter: iterative Fibonacci (Shape suite 02_fib_iter); prints fib(n) mod
// 1_000_000_007 (modulo instead of 64-bit wrap so doubles stay exact).
// Argument: n.
function fibIter(n) {
  let a = 0;
  let b = 1;
  let i = 0;
  while (i < n) {
    const t = (a + b) % 1000000007;
    a = b;
    b = t;
    i = i + 1;
  }
  return a;
}

const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 50000000;
console.log(String(fibIter(n)));
