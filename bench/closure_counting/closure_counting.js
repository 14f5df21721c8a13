// closure_counting: creates closures in a loop (a counter whose captured
// variable is shared by an incrementing and a reading closure, and an adder)
// and calls them; prints a running total kept below 1_000_003. Argument: rounds.
function makeCounter(step) {
  let count = 0;
  const inc = () => {
    count = count + step;
    return count;
  };
  const get = () => count;
  return [inc, get];
}

function makeAdder(k) {
  return (x) => x + k;
}

function closureCounting(rounds) {
  let total = 0;
  let round = 0;
  while (round < rounds) {
    const counter = makeCounter((round % 5) + 1);
    const inc = counter[0];
    const get = counter[1];
    const add = makeAdder(round % 3);
    let j = 0;
    while (j < 10) {
      inc();
      total = (add(total) + get()) % 1000003;
      j = j + 1;
    }
    round = round + 1;
  }
  return total;
}

console.log(String(closureCounting(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 1000000)));
