// mandelbrot: size x size grid over [-1.5, 0.5) x [-1, 1), 50 iterations,
// escape when |z|^2 > 4 (Shape suite 04_mandelbrot); prints how many points
// never escape. Argument: size.
function mandelbrot(size) {
  let count = 0;
  let y = 0;
  while (y < size) {
    const ci = (2.0 * y) / size - 1.0;
    let x = 0;
    while (x < size) {
      const cr = (2.0 * x) / size - 1.5;
      let zr = 0.0;
      let zi = 0.0;
      let i = 0;
      let inside = true;
      while (i < 50) {
        const zr2 = zr * zr;
        const zi2 = zi * zi;
        if (zr2 + zi2 > 4.0) {
          inside = false;
          break;
        }
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        i = i + 1;
      }
      if (inside) count = count + 1;
      x = x + 1;
    }
    y = y + 1;
  }
  return count;
}

const size = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 1000;
console.log(String(mandelbrot(size)));
