# closure_counting: creates closures in a loop (a counter whose captured cell
# is shared by an incrementing and a reading closure, and an adder) and calls
# them; prints a running total kept below 1_000_003. Argument: rounds.
import sys


def make_counter(step):
    count = 0

    def inc():
        nonlocal count
        count = count + step
        return count

    def get():
        return count

    return [inc, get]


def make_adder(k):
    return lambda x: x + k


def closure_counting(rounds):
    total = 0
    round_ = 0
    while round_ < rounds:
        counter = make_counter(round_ % 5 + 1)
        inc = counter[0]
        get = counter[1]
        add = make_adder(round_ % 3)
        j = 0
        while j < 10:
            inc()
            total = (add(total) + get()) % 1000003
            j = j + 1
        round_ = round_ + 1
    return total


print(closure_counting(int(sys.argv[1]) if len(sys.argv) > 1 else 1000000))
