// collatz: longest Collatz chain for starts below a limit (Shape suite
// 08_collatz); prints the start and its chain length. Halving is `n / 2`,
// exact because n is even. Argument: limit.
function collatzLen(start) {
  let n = start;
  let steps = 1;
  while (n !== 1) {
    if (n % 2 === 0) {
      n = n / 2;
    } else {
      n = 3 * n + 1;
    }
    steps = steps + 1;
  }
  return steps;
}

function longest(limit) {
  let best = 0;
  let bestStart = 0;
  let s = 1;
  while (s < limit) {
    const lenS = collatzLen(s);
    if (lenS > best) {
      best = lenS;
      bestStart = s;
    }
    s = s + 1;
  }
  console.log(bestStart + " " + best);
}

longest(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 300000);
