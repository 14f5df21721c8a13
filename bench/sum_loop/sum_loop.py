# sum_loop: float loop summing i for i = 0.0, 1.0, ... below n (Shape suite
# 07_sum_loop); prints the sum (exact below 2^53). Argument: n.
import sys


def sum_loop(n):
    limit = n * 1.0
    total = 0.0
    i = 0.0
    while i < limit:
        total = total + i
        i = i + 1.0
    return total


n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000000
print(repr(sum_loop(n)))
