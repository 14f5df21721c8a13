// string_concat: s = s + "x" repeated n times (Shape suite 14_string_concat);
// prints s.length. Argument: n.
function stringConcat(n) {
  let s = "";
  let i = 0;
  while (i < n) {
    s = s + "x";
    i = i + 1;
  }
  return s.length;
}

console.log(String(stringConcat(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 120000)));
