# polymorphic_dispatch: three record types (linear, quadratic, cubic) picked
# by i % 3 and evaluated at x = i % 100 (Shape suite 12_polymorphic_dispatch);
# prints the float sum. Argument: n.
import sys


class Linear:
    __slots__ = ("slope", "intercept")

    def __init__(self, slope, intercept):
        self.slope = slope
        self.intercept = intercept


class Quadratic:
    __slots__ = ("a", "b", "c")

    def __init__(self, a, b, c):
        self.a = a
        self.b = b
        self.c = c


class Cubic:
    __slots__ = ("a", "b", "c", "d")

    def __init__(self, a, b, c, d):
        self.a = a
        self.b = b
        self.c = c
        self.d = d


def polymorphic_dispatch(n):
    lin = Linear(2.0, 1.0)
    quad = Quadratic(1.0, 2.0, 3.0)
    cub = Cubic(0.5, 1.0, 1.5, 2.0)
    total = 0.0
    i = 0
    while i < n:
        x = (i % 100) * 1.0
        r = i % 3
        if r == 0:
            total = total + lin.slope * x + lin.intercept
        elif r == 1:
            total = total + quad.a * x * x + quad.b * x + quad.c
        else:
            total = total + cub.a * x * x * x + cub.b * x * x + cub.c * x + cub.d
        i = i + 1
    return total


print(repr(polymorphic_dispatch(int(sys.argv[1]) if len(sys.argv) > 1 else 14000000)))
