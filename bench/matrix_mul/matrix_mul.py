# matrix_mul: n x n float matrices in flat lists, triple loop
# (Shape suite 09_matrix_mul); prints c[0] and c[n*n-1]. Argument: n.
import sys


def mat_mul_inner(c, a, b, n):
    i = 0
    while i < n:
        j = 0
        while j < n:
            total = 0.0
            k = 0
            while k < n:
                total = total + a[i * n + k] * b[k * n + j]
                k = k + 1
            c[i * n + j] = total
            j = j + 1
        i = i + 1


def mat_mul(n):
    a = []
    b = []
    c = []
    idx = 0
    while idx < n * n:
        a.append(idx * 1.0)
        b.append((n * n - idx) * 1.0)
        c.append(0.0)
        idx = idx + 1
    mat_mul_inner(c, a, b, n)
    print(repr(c[0]), repr(c[n * n - 1]))


mat_mul(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
