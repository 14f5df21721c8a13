# primes_count: trial-division primality test for every n below a limit
# (Shape suite 10_primes_count); prints how many are prime. Argument: limit.
import sys


def is_prime(n):
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d = d + 1
    return True


def primes_count(limit):
    count = 0
    n = 0
    while n < limit:
        if is_prime(n):
            count = count + 1
        n = n + 1
    return count


print(primes_count(int(sys.argv[1]) if len(sys.argv) > 1 else 900000))
