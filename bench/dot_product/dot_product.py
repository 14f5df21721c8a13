# dot_product: two float lists of n elements built with append, then their dot
# product (Shape suite 07b_dot_product); prints it. Argument: n.
import sys


def dot_product(n):
    a = []
    b = []
    i = 0
    while i < n:
        a.append((i % 100) * 0.5)
        b.append((i % 7) * 0.25)
        i = i + 1
    total = 0.0
    j = 0
    while j < n:
        total = total + a[j] * b[j]
        j = j + 1
    return total


n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000000
print(repr(dot_product(n)))
