# ackermann: Ackermann function computed recursively (Shape suite 06_ackermann);
# prints ack(3, n). The recursion is about 2^(n+3) deep, so the limit is raised.
# Argument: n.
import sys

sys.setrecursionlimit(1000000)


def ack(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ack(m - 1, 1)
    return ack(m - 1, ack(m, n - 1))


n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
print(ack(3, n))
