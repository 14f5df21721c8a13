// hashmap_build_query: build a Map with m.set(i, i * 2.5) for n int keys, then
// sum m.get(i) over them (Shape suite 13_hashmap_build_query), once per
// repetition with a fresh Map; prints the total as Python's repr() would.
// Arguments: n, repetitions.
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

function repeated(n, reps) {
  let total = 0.0;
  let i = 0;
  while (i < reps) {
    total = total + hashmapBuildQuery(n);
    i = i + 1;
  }
  return total;
}

const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 10000000;
const reps = process.argv.length > 3 ? parseInt(process.argv[3], 10) : 2;
console.log(fmtFloat(repeated(n, reps)));
