# array_of_objects: n records {x, y, mass} (a class with __slots__) appended to
# a list, then the sum of their masses (Shape suite 16_array_of_objects);
# prints the sum. Argument: n.
import sys


class Particle:
    __slots__ = ("x", "y", "mass")

    def __init__(self, x, y, mass):
        self.x = x
        self.y = y
        self.mass = mass


def array_of_objects(n):
    particles = []
    i = 0
    while i < n:
        particles.append(Particle(i * 1.0, i * 2.0, (i % 10) * 0.5 + 1.0))
        i = i + 1
    total = 0.0
    j = 0
    while j < n:
        total = total + particles[j].mass
        j = j + 1
    return total


print(repr(array_of_objects(int(sys.argv[1]) if len(sys.argv) > 1 else 2000000)))
