// fannkuch_redux: the Benchmarks Game pancake-flipping benchmark: for every
// permutation of 0..n-1 (in the benchmark's order) count the prefix reversals
// until 0 comes first; prints the checksum and the maximum flip count.
// Argument: n.
function fannkuch(n) {
  const perm = [];
  const perm1 = [];
  const count = [];
  let i = 0;
  while (i < n) {
    perm.push(0);
    perm1.push(i);
    count.push(0);
    i = i + 1;
  }
  let maxFlips = 0;
  let checksum = 0;
  let permCount = 0;
  let r = n;
  while (true) {
    while (r !== 1) {
      count[r - 1] = r;
      r = r - 1;
    }
    let m = 0;
    while (m < n) {
      perm[m] = perm1[m];
      m = m + 1;
    }
    let flips = 0;
    let k = perm[0];
    while (k !== 0) {
      let lo = 0;
      let hi = k;
      while (lo < hi) {
        const t = perm[lo];
        perm[lo] = perm[hi];
        perm[hi] = t;
        lo = lo + 1;
        hi = hi - 1;
      }
      flips = flips + 1;
      k = perm[0];
    }
    if (flips > maxFlips) maxFlips = flips;
    if (permCount % 2 === 0) {
      checksum = checksum + flips;
    } else {
      checksum = checksum - flips;
    }
    // next permutation
    while (true) {
      if (r === n) {
        console.log(String(checksum));
        console.log("Pfannkuchen(" + n + ") = " + maxFlips);
        return;
      }
      const perm0 = perm1[0];
      let s = 0;
      while (s < r) {
        perm1[s] = perm1[s + 1];
        s = s + 1;
      }
      perm1[r] = perm0;
      count[r] = count[r] - 1;
      if (count[r] > 0) break;
      r = r + 1;
    }
    permCount = permCount + 1;
  }
}

fannkuch(process.argv.length > 2 ? parseInt(process.argv[2], 10) : 10);
