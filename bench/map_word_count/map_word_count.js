// map_word_count: generates a text of n words deterministically (Park-Miller
// generator, words of three syllables from a 1000-word vocabulary, skewed so
// some words are frequent, 12 words a line), then counts the words in a Map.
// Prints the number of distinct words, the total, and the most frequent word
// with its count (ties go to the smaller word). seed * 16807 < 2^53, so doubles
// stay exact; int `/` is Math.floor(a / b). Argument: n.
function generate(n) {
  const syl = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "zu"];
  let seed = 42;
  const lines = [];
  let words = [];
  let i = 0;
  while (i < n) {
    seed = (seed * 16807) % 2147483647;
    const w = Math.min(seed % 1000, Math.floor(seed / 1000) % 1000);
    words.push(syl[w % 10] + syl[Math.floor(w / 10) % 10] + syl[Math.floor(w / 100)]);
    if (words.length === 12) {
      lines.push(words.join(" "));
      words = [];
    }
    i = i + 1;
  }
  if (words.length > 0) lines.push(words.join(" "));
  return lines.join("\n");
}

function countWords(text) {
  const counts = new Map();
  for (const line of text.split("\n")) {
    for (const word of line.split(" ")) {
      const c = counts.get(word);
      if (c === undefined) {
        counts.set(word, 1);
      } else {
        counts.set(word, c + 1);
      }
    }
  }
  return counts;
}

function mapWordCount(n) {
  const counts = countWords(generate(n));
  let total = 0;
  let best = "";
  let bestCount = 0;
  for (const [word, c] of counts) {
    total = total + c;
    if (c > bestCount || (c === bestCount && word < best)) {
      best = word;
      bestCount = c;
    }
  }
  console.log(counts.size + " " + total + " " + best + " " + bestCount);
}

mapWordCount(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 1500000);
