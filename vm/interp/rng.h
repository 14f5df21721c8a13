// The deterministic generator behind random() and random_int(): xoshiro256**,
// seeded through splitmix64. Its four words are part of every snapshot, so a
// resumed run draws exactly the numbers an uninterrupted run would.
#pragma once

#include <cstdint>

namespace shapevm {

struct Rng {
  uint64_t state[4] = {0, 0, 0, 0};

  void seed(uint64_t seed) {
    for (auto& word : state) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t next() {
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double nextDouble() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, bound) without modulo bias (bound > 0).
  uint64_t nextBelow(uint64_t bound) {
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      uint64_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
};

}  // namespace shapevm
