# gc_pressure_tree: build a complete binary tree of records (depth d) and count
# its nodes, repeated (Shape suite 15_gc_pressure_tree); prints the total node
# count. Arguments: depth, repetitions.
import sys


class Node:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def build_tree(depth):
    if depth == 0:
        return Node(None, None)
    return Node(build_tree(depth - 1), build_tree(depth - 1))


def count(node):
    if node is None:
        return 0
    return 1 + count(node.left) + count(node.right)


def gc_pressure_tree(depth, iterations):
    total = 0
    i = 0
    while i < iterations:
        total = total + count(build_tree(depth))
        i = i + 1
    return total


depth = int(sys.argv[1]) if len(sys.argv) > 1 else 18
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 4
print(gc_pressure_tree(depth, reps))
