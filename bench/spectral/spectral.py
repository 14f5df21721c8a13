# spectral: 10 rounds of u -> v -> u products with
# A(i, j) = 1 / ((i + j)(i + j + 1) / 2 + i + 1) over float lists
# (Shape suite 05_spectral); prints u[0]. Argument: n.
import sys


def a_times(src, dst, n):
    i = 0
    while i < n:
        sum_ = 0.0
        j = 0
        while j < n:
            denom = (i + j) * (i + j + 1) / 2.0 + i + 1.0
            sum_ = sum_ + src[j] / denom
            j = j + 1
        dst[i] = sum_
        i = i + 1


def spectral(n):
    u = []
    v = []
    i = 0
    while i < n:
        u.append(1.0)
        v.append(0.0)
        i = i + 1
    round_ = 0
    while round_ < 10:
        a_times(u, v, n)
        a_times(v, u, n)
        round_ = round_ + 1
    return u[0]


n = int(sys.argv[1]) if len(sys.argv) > 1 else 1100
print(repr(spectral(n)))
