# sieve: sieve of Eratosthenes (Shape suite 03_sieve): flags built with append,
# composites marked by a helper; prints the number of primes <= n. Argument: n.
import sys


def mark_composites(flags, p, n):
    j = p * p
    while j <= n:
        flags[j] = False
        j = j + p


def sieve(n):
    flags = []
    i = 0
    while i <= n:
        flags.append(True)
        i = i + 1
    p = 2
    while p * p <= n:
        if flags[p]:
            mark_composites(flags, p, n)
        p = p + 1
    count = 0
    k = 2
    while k <= n:
        if flags[k]:
            count = count + 1
        k = k + 1
    return count


n = int(sys.argv[1]) if len(sys.argv) > 1 else 12000000
print(sieve(n))
