// sieve: sieve of Eratosthenes (Shape suite 03_sieve): flags built with push,
// composites marked by a helper; prints the number of primes <= n. Argument: n.
function markComposites(flags, p, n) {
  let j = p * p;
  while (j <= n) {
    flags[j] = false;
    j = j + p;
  }
}

function sieve(n) {
  const flags = [];
  let i = 0;
  while (i <= n) {
    flags.push(true);
    i = i + 1;
  }
  let p = 2;
  while (p * p <= n) {
    if (flags[p]) markComposites(flags, p, n);
    p = p + 1;
  }
  let count = 0;
  let k = 2;
  while (k <= n) {
    if (flags[k]) count = count + 1;
    k = k + 1;
  }
  return count;
}

const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 12000000;
console.log(String(sieve(n)));
