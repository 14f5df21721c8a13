// array_of_objects: n records {x, y, mass} pushed to an array, then the sum of
// their masses (Shape suite 16_array_of_objects); prints the sum as Python's
// repr() would. Argument: n.
const fmtFloat = require("../common/pyfloat.js");

function arrayOfObjects(n) {
  const particles = [];
  let i = 0;
  while (i < n) {
    particles.push({ x: i * 1.0, y: i * 2.0, mass: (i % 10) * 0.5 + 1.0 });
    i = i + 1;
  }
  let sum = 0.0;
  let j = 0;
  while (j < n) {
    sum = sum + particles[j].mass;
    j = j + 1;
  }
  return sum;
}

console.log(fmtFloat(arrayOfObjects(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 2000000)));
