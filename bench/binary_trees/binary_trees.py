# binary_trees: the Benchmarks Game allocation benchmark: a stretch tree, a
# long-lived tree, then many short-lived trees of depths 4, 6, ... max_depth,
# each checked by counting its nodes. Argument: max_depth.
import sys


class Tree:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def make_tree(depth):
    if depth == 0:
        return Tree(None, None)
    return Tree(make_tree(depth - 1), make_tree(depth - 1))


def check_tree(t):
    if t.left is None:
        return 1
    return 1 + check_tree(t.left) + check_tree(t.right)


def binary_trees(n):
    min_depth = 4
    max_depth = n
    if max_depth < min_depth + 2:
        max_depth = min_depth + 2
    stretch = max_depth + 1
    print("stretch tree of depth", stretch, "check:", check_tree(make_tree(stretch)))
    long_lived = make_tree(max_depth)
    depth = min_depth
    while depth <= max_depth:
        iterations = 1
        k = 0
        while k < max_depth - depth + min_depth:
            iterations = iterations * 2
            k = k + 1
        check = 0
        i = 0
        while i < iterations:
            check = check + check_tree(make_tree(depth))
            i = i + 1
        print(iterations, "trees of depth", depth, "check:", check)
        depth = depth + 2
    print("long lived tree of depth", max_depth, "check:", check_tree(long_lived))


binary_trees(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
