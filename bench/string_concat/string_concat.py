# string_concat: s = s + "x" repeated n times (Shape suite 14_string_concat);
# prints len(s). Argument: n.
import sys


def string_concat(n):
    s = ""
    i = 0
    while i < n:
        s = s + "x"
        i = i + 1
    return len(s)


print(string_concat(int(sys.argv[1]) if len(sys.argv) > 1 else 120000))
