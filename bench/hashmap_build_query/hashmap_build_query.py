# hashmap_build_query: build a dict with m[i] = i * 2.5 for n int keys, then
# sum m.get(i) over them (Shape suite 13_hashmap_build_query), once per
# repetition with a fresh dict; prints the total. Arguments: n, repetitions.
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


def repeated(n, reps):
    total = 0.0
    i = 0
    while i < reps:
        total = total + hashmap_build_query(n)
        i = i + 1
    return total


n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000000
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 2
print(repr(repeated(n, reps)))
