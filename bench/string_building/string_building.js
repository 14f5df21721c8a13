// string_building: builds n report lines from pieces (String(), +), joins them
// with "\n", splits the text again and measures the pieces; prints the text
// length, the line count, the sum of line lengths and the text's last 12
// characters (all ASCII, so characters = bytes). Argument: n.
function buildText(n) {
  const parts = [];
  let i = 0;
  while (i < n) {
    const line = "row " + String(i) + ": " + String((i * 7) % 1000) + ";";
    parts.push(line);
    i = i + 1;
  }
  return parts.join("\n");
}

function stringBuilding(n) {
  const text = buildText(n);
  const lines = text.split("\n");
  let total = 0;
  for (const line of lines) {
    total = total + line.length;
  }
  const size = text.length;
  console.log(size + " " + lines.length + " " + total + " " + text.substring(size - 12, size));
}

stringBuilding(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 450000);
