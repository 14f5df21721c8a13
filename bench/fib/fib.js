// fib: recursive Fibonacci (Shape suite 01_fib); prints fib(n). Argument: n.
// fib(n) stays below 2^53, so doubles are exact.
function fib(n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 36;
console.log(String(fib(n)));
