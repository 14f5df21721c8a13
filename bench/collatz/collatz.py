# collatz: longest Collatz chain for starts below a limit, with int `//`
# (Shape suite 08_collatz); prints the start and its chain length.
# Argument: limit.
import sys


def collatz_len(start):
    n = start
    steps = 1
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps = steps + 1
    return steps


def longest(limit):
    best = 0
    best_start = 0
    s = 1
    while s < limit:
        len_s = collatz_len(s)
        if len_s > best:
            best = len_s
            best_start = s
        s = s + 1
    print(best_start, best)


longest(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
