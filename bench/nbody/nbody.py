# nbody: the Benchmarks Game n-body simulation of the Jovian planets (records
# with float fields, sqrt); prints the energy before and after n steps of 0.01.
# Argument: n.
import sys
from math import sqrt


class Body:
    __slots__ = ("x", "y", "z", "vx", "vy", "vz", "mass")

    def __init__(self, x, y, z, vx, vy, vz, mass):
        self.x = x
        self.y = y
        self.z = z
        self.vx = vx
        self.vy = vy
        self.vz = vz
        self.mass = mass


def make_bodies():
    sm = 4.0 * 3.141592653589793 * 3.141592653589793
    dpy = 365.24
    return [
        Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, sm),
        Body(4.84143144246472090, -1.16032004402742839, -1.03622044471123109e-01,
             1.66007664274403694e-03 * dpy, 7.69901118419740425e-03 * dpy,
             -6.90460016972063023e-05 * dpy, 9.54791938424326609e-04 * sm),
        Body(8.34336671824457987, 4.12479856412430479, -4.03523417114321381e-01,
             -2.76742510726862411e-03 * dpy, 4.99852801234917238e-03 * dpy,
             2.30417297573763929e-05 * dpy, 2.85885980666130812e-04 * sm),
        Body(12.8943695621391310, -15.1111514016986312, -2.23307578892655734e-01,
             2.96460137564761618e-03 * dpy, 2.37847173959480950e-03 * dpy,
             -2.96589568540237556e-05 * dpy, 4.36624404335156298e-05 * sm),
        Body(15.3796971148509165, -25.9193146099879641, 1.79258772950371181e-01,
             2.68067772490389322e-03 * dpy, 1.62824170038242295e-03 * dpy,
             -9.51592254519715870e-05 * dpy, 5.15138902046611451e-05 * sm),
    ]


def offset_momentum(bodies):
    px = 0.0
    py = 0.0
    pz = 0.0
    for b in bodies:
        px = px + b.vx * b.mass
        py = py + b.vy * b.mass
        pz = pz + b.vz * b.mass
    sun = bodies[0]
    sun.vx = 0.0 - px / sun.mass
    sun.vy = 0.0 - py / sun.mass
    sun.vz = 0.0 - pz / sun.mass


def energy(bodies):
    nb = len(bodies)
    e = 0.0
    i = 0
    while i < nb:
        b = bodies[i]
        e = e + 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz)
        j = i + 1
        while j < nb:
            b2 = bodies[j]
            dx = b.x - b2.x
            dy = b.y - b2.y
            dz = b.z - b2.z
            e = e - (b.mass * b2.mass) / sqrt(dx * dx + dy * dy + dz * dz)
            j = j + 1
        i = i + 1
    return e


def advance(bodies, dt):
    nb = len(bodies)
    i = 0
    while i < nb:
        bi = bodies[i]
        j = i + 1
        while j < nb:
            bj = bodies[j]
            dx = bi.x - bj.x
            dy = bi.y - bj.y
            dz = bi.z - bj.z
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * sqrt(d2))
            bim = bi.mass * mag
            bjm = bj.mass * mag
            bi.vx = bi.vx - dx * bjm
            bi.vy = bi.vy - dy * bjm
            bi.vz = bi.vz - dz * bjm
            bj.vx = bj.vx + dx * bim
            bj.vy = bj.vy + dy * bim
            bj.vz = bj.vz + dz * bim
            j = j + 1
        i = i + 1
    k = 0
    while k < nb:
        b = bodies[k]
        b.x = b.x + dt * b.vx
        b.y = b.y + dt * b.vy
        b.z = b.z + dt * b.vz
        k = k + 1


def nbody(n):
    bodies = make_bodies()
    offset_momentum(bodies)
    print(repr(energy(bodies)))
    step = 0
    while step < n:
        advance(bodies, 0.01)
        step = step + 1
    print(repr(energy(bodies)))


nbody(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
