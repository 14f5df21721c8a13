# map_word_count: generates a text of n words deterministically (Park-Miller
# generator, words of three syllables from a 1000-word vocabulary, skewed so
# some words are frequent, 12 words a line), then counts the words in a dict.
# Prints the number of distinct words, the total, and the most frequent word
# with its count (ties go to the smaller word). Argument: n.
import sys


def generate(n):
    syl = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "zu"]
    seed = 42
    lines = []
    words = []
    i = 0
    while i < n:
        seed = seed * 16807 % 2147483647
        w = min(seed % 1000, seed // 1000 % 1000)
        words.append(syl[w % 10] + syl[w // 10 % 10] + syl[w // 100])
        if len(words) == 12:
            lines.append(" ".join(words))
            words = []
        i = i + 1
    if len(words) > 0:
        lines.append(" ".join(words))
    return "\n".join(lines)


def count_words(text):
    counts = {}
    for line in text.split("\n"):
        for word in line.split(" "):
            c = counts.get(word)
            if c is None:
                counts[word] = 1
            else:
                counts[word] = c + 1
    return counts


def map_word_count(n):
    counts = count_words(generate(n))
    total = 0
    best = ""
    best_count = 0
    for word in counts:
        c = counts[word]
        total = total + c
        if c > best_count or (c == best_count and word < best):
            best = word
            best_count = c
    print(len(counts), total, best, best_count)


map_word_count(int(sys.argv[1]) if len(sys.argv) > 1 else 1500000)
