// hashmap_build_query: build a Map with m.set(i, i * 2.5) for n int keys, then
// sum m.get(i) over them (Shape suite 13_hashmap_build_query); prints the sum
// as Python's repr() would. Argument: n.
const fmtFloat = require("../common/pyfloat.js");

function hashmapBuildQuery(n) {
  let m = new Map();
  let i = 0;
  while (i < n) {
    m = m.set(i, i * 2.5);
    i = i + 1;
  }
  let sum = 0.0;
  let j = 0;
  while (j < n) {
    sum = sum + m.get(j);
    j = j + 1;
  }
  return sum;
}

console.log(fmtFloat(hashmapBuildQuery(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 16000000)));
