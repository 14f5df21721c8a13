# fannkuch_redux: the Benchmarks Game pancake-flipping benchmark: for every
# permutation of 0..n-1 (in the benchmark's order) count the prefix reversals
# until 0 comes first; prints the checksum and the maximum flip count.
# Argument: n.
import sys


def fannkuch(n):
    perm = []
    perm1 = []
    count = []
    i = 0
    while i < n:
        perm.append(0)
        perm1.append(i)
        count.append(0)
        i = i + 1
    max_flips = 0
    checksum = 0
    perm_count = 0
    r = n
    while True:
        while r != 1:
            count[r - 1] = r
            r = r - 1
        m = 0
        while m < n:
            perm[m] = perm1[m]
            m = m + 1
        flips = 0
        k = perm[0]
        while k != 0:
            lo = 0
            hi = k
            while lo < hi:
                t = perm[lo]
                perm[lo] = perm[hi]
                perm[hi] = t
                lo = lo + 1
                hi = hi - 1
            flips = flips + 1
            k = perm[0]
        if flips > max_flips:
            max_flips = flips
        if perm_count % 2 == 0:
            checksum = checksum + flips
        else:
            checksum = checksum - flips
        # next permutation
        while True:
            if r == n:
                print(checksum)
                print("Pfannkuchen(" + str(n) + ") = " + str(max_flips))
                return
            perm0 = perm1[0]
            s = 0
            while s < r:
                perm1[s] = perm1[s + 1]
                s = s + 1
            perm1[r] = perm0
            count[r] = count[r] - 1
            if count[r] > 0:
                break
            r = r + 1
        perm_count = perm_count + 1


fannkuch(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
