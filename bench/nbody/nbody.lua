-- nbody: the Benchmarks Game n-body simulation of the Jovian planets (tables
-- with float fields, sqrt); prints the energy before and after n steps of 0.01
-- as Python's repr() would. Runs on Lua 5.4 and LuaJIT. Argument: n.
local fmt_float = dofile((arg[0]:match("^(.*)/[^/]+/[^/]+$") or "..") .. "/common/pyfloat.lua")

local sqrt = math.sqrt

local function body(x, y, z, vx, vy, vz, mass)
  return { x = x, y = y, z = z, vx = vx, vy = vy, vz = vz, mass = mass }
end

local function make_bodies()
  local sm = 4.0 * 3.141592653589793 * 3.141592653589793
  local dpy = 365.24
  return {
    [0] = body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, sm),
    body(4.84143144246472090, -1.16032004402742839, -1.03622044471123109e-01,
         1.66007664274403694e-03 * dpy, 7.69901118419740425e-03 * dpy,
         -6.90460016972063023e-05 * dpy, 9.54791938424326609e-04 * sm),
    body(8.34336671824457987, 4.12479856412430479, -4.03523417114321381e-01,
         -2.76742510726862411e-03 * dpy, 4.99852801234917238e-03 * dpy,
         2.30417297573763929e-05 * dpy, 2.85885980666130812e-04 * sm),
    body(12.8943695621391310, -15.1111514016986312, -2.23307578892655734e-01,
         2.96460137564761618e-03 * dpy, 2.37847173959480950e-03 * dpy,
         -2.96589568540237556e-05 * dpy, 4.36624404335156298e-05 * sm),
    body(15.3796971148509165, -25.9193146099879641, 1.79258772950371181e-01,
         2.68067772490389322e-03 * dpy, 1.62824170038242295e-03 * dpy,
         -9.51592254519715870e-05 * dpy, 5.15138902046611451e-05 * sm),
  }
end

local NB = 5

local function offset_momentum(bodies)
  local px, py, pz = 0.0, 0.0, 0.0
  for i = 0, NB - 1 do
    local b = bodies[i]
    px = px + b.vx * b.mass
    py = py + b.vy * b.mass
    pz = pz + b.vz * b.mass
  end
  local sun = bodies[0]
  sun.vx = 0.0 - px / sun.mass
  sun.vy = 0.0 - py / sun.mass
  sun.vz = 0.0 - pz / sun.mass
end

local function energy(bodies)
  local e = 0.0
  local i = 0
  while i < NB do
    local b = bodies[i]
    e = e + 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz)
    local j = i + 1
    while j < NB do
      local b2 = bodies[j]
      local dx = b.x - b2.x
      local dy = b.y - b2.y
      local dz = b.z - b2.z
      e = e - (b.mass * b2.mass) / sqrt(dx * dx + dy * dy + dz * dz)
      j = j + 1
    end
    i = i + 1
  end
  return e
end

local function advance(bodies, dt)
  local i = 0
  while i < NB do
    local bi = bodies[i]
    local j = i + 1
    while j < NB do
      local bj = bodies[j]
      local dx = bi.x - bj.x
      local dy = bi.y - bj.y
      local dz = bi.z - bj.z
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = dt / (d2 * sqrt(d2))
      local bim = bi.mass * mag
      local bjm = bj.mass * mag
      bi.vx = bi.vx - dx * bjm
      bi.vy = bi.vy - dy * bjm
      bi.vz = bi.vz - dz * bjm
      bj.vx = bj.vx + dx * bim
      bj.vy = bj.vy + dy * bim
      bj.vz = bj.vz + dz * bim
      j = j + 1
    end
    i = i + 1
  end
  local k = 0
  while k < NB do
    local b = bodies[k]
    b.x = b.x + dt * b.vx
    b.y = b.y + dt * b.vy
    b.z = b.z + dt * b.vz
    k = k + 1
  end
end

local function nbody(n)
  local bodies = make_bodies()
  offset_momentum(bodies)
  print(fmt_float(energy(bodies)))
  local step = 0
  while step < n do
    advance(bodies, 0.01)
    step = step + 1
  end
  print(fmt_float(energy(bodies)))
end

nbody(tonumber(arg[1] or "300000"))
