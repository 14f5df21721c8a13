# string_building: builds n report lines from pieces (str(), +), joins them with
# "\n", splits the text again and measures the pieces; prints the text length,
# the line count, the sum of line lengths and the text's last 12 bytes.
# Argument: n.
import sys


def build_text(n):
    parts = []
    i = 0
    while i < n:
        line = "row " + str(i) + ": " + str(i * 7 % 1000) + ";"
        parts.append(line)
        i = i + 1
    return "\n".join(parts)


def string_building(n):
    text = build_text(n)
    lines = text.split("\n")
    total = 0
    for line in lines:
        total = total + len(line)
    size = len(text)
    print(size, len(lines), total, text[size - 12:size])


string_building(int(sys.argv[1]) if len(sys.argv) > 1 else 450000)
