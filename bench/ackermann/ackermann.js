// ackermann: Ackermann function computed recursively (Shape suite 06_ackermann);
// prints ack(3, n). Argument: n.
function ack(m, n) {
  if (m === 0) return n + 1;
  if (n === 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 10;
console.log(String(ack(3, n)));
