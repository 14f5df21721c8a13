// nbody: the Benchmarks Game n-body simulation of the Jovian planets (records
// with float fields, sqrt); prints the energy before and after n steps of 0.01
// as Python's repr() would. Argument: n.
const fmtFloat = require("../common/pyfloat.js");

function body(x, y, z, vx, vy, vz, mass) {
  return { x, y, z, vx, vy, vz, mass };
}

function makeBodies() {
  const sm = 4.0 * 3.141592653589793 * 3.141592653589793;
  const dpy = 365.24;
  return [
    body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, sm),
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
  ];
}

function offsetMomentum(bodies) {
  let px = 0.0;
  let py = 0.0;
  let pz = 0.0;
  for (const b of bodies) {
    px = px + b.vx * b.mass;
    py = py + b.vy * b.mass;
    pz = pz + b.vz * b.mass;
  }
  const sun = bodies[0];
  sun.vx = 0.0 - px / sun.mass;
  sun.vy = 0.0 - py / sun.mass;
  sun.vz = 0.0 - pz / sun.mass;
}

function energy(bodies) {
  const nb = bodies.length;
  let e = 0.0;
  let i = 0;
  while (i < nb) {
    const b = bodies[i];
    e = e + 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
    let j = i + 1;
    while (j < nb) {
      const b2 = bodies[j];
      const dx = b.x - b2.x;
      const dy = b.y - b2.y;
      const dz = b.z - b2.z;
      e = e - (b.mass * b2.mass) / Math.sqrt(dx * dx + dy * dy + dz * dz);
      j = j + 1;
    }
    i = i + 1;
  }
  return e;
}

function advance(bodies, dt) {
  const nb = bodies.length;
  let i = 0;
  while (i < nb) {
    const bi = bodies[i];
    let j = i + 1;
    while (j < nb) {
      const bj = bodies[j];
      const dx = bi.x - bj.x;
      const dy = bi.y - bj.y;
      const dz = bi.z - bj.z;
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      const bim = bi.mass * mag;
      const bjm = bj.mass * mag;
      bi.vx = bi.vx - dx * bjm;
      bi.vy = bi.vy - dy * bjm;
      bi.vz = bi.vz - dz * bjm;
      bj.vx = bj.vx + dx * bim;
      bj.vy = bj.vy + dy * bim;
      bj.vz = bj.vz + dz * bim;
      j = j + 1;
    }
    i = i + 1;
  }
  let k = 0;
  while (k < nb) {
    const b = bodies[k];
    b.x = b.x + dt * b.vx;
    b.y = b.y + dt * b.vy;
    b.z = b.z + dt * b.vz;
    k = k + 1;
  }
}

function nbody(n) {
  const bodies = makeBodies();
  offsetMomentum(bodies);
  console.log(fmtFloat(energy(bodies)));
  let step = 0;
  while (step < n) {
    advance(bodies, 0.01);
    step = step + 1;
  }
  console.log(fmtFloat(energy(bodies)));
}

nbody(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 300000);
