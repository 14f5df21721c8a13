# fib_iter: iterative Fibonacci (Shape suite 02_fib_iter); prints fib(n) mod
# 1_000_000_007 (modulo instead of 64-bit wrap, like the other versions).
# Argument: n.
import sys


def fib_iter(n):
    a = 0
    b = 1
    i = 0
    while i < n:
        t = (a + b) % 1000000007
        a = b
        b = t
        i = i + 1
    return a


n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000000
print(fib_iter(n))
