# hashmap_build_query: build a dict with m[i] = i * 2.5 for n int keys, then
# sum m.get(i) over them (Shape suite 13_hashmap_build_query); prints the sum.
# Argument: n.
import sys


def hashmap_build_query(n):
    m = {}
    i = 0
    while i < n:
        m[i] = i * 2.5
        i = i + 1
    total = 0.0
    j = 0
    while j < n:
        total = total + m.get(j)
        j = j + 1
    return total


print(repr(hashmap_build_query(int(sys.argv[1]) if len(sys.argv) > 1 else 16000000)))
