# fib: recursive Fibonacci (Shape suite 01_fib); prints fib(n). Argument: n.
import sys


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


n = int(sys.argv[1]) if len(sys.argv) > 1 else 36
print(fib(n))
