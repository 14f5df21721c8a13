# mandelbrot: size x size grid over [-1.5, 0.5) x [-1, 1), 50 iterations,
# escape when |z|^2 > 4 (Shape suite 04_mandelbrot); prints how many points
# never escape. Argument: size.
import sys


def mandelbrot(size):
    count = 0
    y = 0
    while y < size:
        ci = 2.0 * y / size - 1.0
        x = 0
        while x < size:
            cr = 2.0 * x / size - 1.5
            zr = 0.0
            zi = 0.0
            i = 0
            inside = True
            while i < 50:
                zr2 = zr * zr
                zi2 = zi * zi
                if zr2 + zi2 > 4.0:
                    inside = False
                    break
                zi = 2.0 * zr * zi + ci
                zr = zr2 - zi2 + cr
                i = i + 1
            if inside:
                count = count + 1
            x = x + 1
        y = y + 1
    return count


size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
print(mandelbrot(size))
