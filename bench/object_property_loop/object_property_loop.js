// object_property_loop: a 5-field record read field by field in a loop and
// summed (Shape suite 11_object_property_loop); prints the sum. Argument: n.
function objectPropertyLoop(n) {
  const r = { a: 1, b: 2, c: 3, d: 4, e: 5 };
  let sum = 0;
  let i = 0;
  while (i < n) {
    sum = sum + r.a + r.b + r.c + r.d + r.e;
    i = i + 1;
  }
  return sum;
}

console.log(String(objectPropertyLoop(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 15000000)));
