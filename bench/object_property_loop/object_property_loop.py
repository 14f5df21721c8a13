# object_property_loop: a 5-field record (a class with __slots__) read field by
# field in a loop and summed (Shape suite 11_object_property_loop); prints the
# sum. Argument: n.
import sys


class Record:
    __slots__ = ("a", "b", "c", "d", "e")

    def __init__(self, a, b, c, d, e):
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.e = e


def object_property_loop(n):
    r = Record(1, 2, 3, 4, 5)
    total = 0
    i = 0
    while i < n:
        total = total + r.a + r.b + r.c + r.d + r.e
        i = i + 1
    return total


print(object_property_loop(int(sys.argv[1]) if len(sys.argv) > 1 else 15000000))
