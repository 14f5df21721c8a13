// primes_count: trial-division primality test for every n below a limit
// (Shape suite 10_primes_count); prints how many are prime. Argument: limit.
function isPrime(n) {
  if (n < 2) return false;
  let d = 2;
  while (d * d <= n) {
    if (n % d === 0) return false;
    d = d + 1;
  }
  return true;
}

function primesCount(limit) {
  let count = 0;
  let n = 0;
  while (n < limit) {
    if (isPrime(n)) count = count + 1;
    n = n + 1;
  }
  return count;
}

console.log(String(primesCount(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 900000)));
