// Int keys chosen to collide: the key hash used to be fmix64 without a key,
// which is invertible, so anyone could compute keys whose hashes share their
// low bits and turn every map operation into a scan of one probe run (131k
// such keys took 27 s to restore). The hash is now keyed per process.
#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "core/heap.h"
#include "core/map.h"
#include "rooted_heap.h"

using namespace shapevm;

namespace {

uint64_t inverseOf(uint64_t odd) {  // mod 2^64, by Newton's iteration
  uint64_t x = odd;
  for (int i = 0; i < 6; ++i) x *= 2 - odd * x;
  return x;
}

// The inverse of MurmurHash3's fmix64, the unkeyed mix the hash was.
uint64_t unmix(uint64_t h) {
  h ^= h >> 33;
  h *= inverseOf(0xc4ceb9fe1a85ec53ULL);
  h ^= h >> 33;
  h *= inverseOf(0xff51afd7ed558ccdULL);
  h ^= h >> 33;
  return h;
}

// Keys whose unkeyed hashes, (fmix64(k >> 4) << 4) | (k & 15), all end in
// 28 zero bits: one slot of any index up to 2^28 entries.
std::vector<int64_t> collidingKeys(std::size_t count) {
  std::vector<int64_t> keys;
  for (uint64_t j = 1; keys.size() < count; ++j) {
    uint64_t block = unmix(j << 24);
    if (block < (uint64_t{1} << 59)) keys.push_back(static_cast<int64_t>(block << 4));
  }
  return keys;
}

}  // namespace

TEST_CASE("int keys computed to collide under an unkeyed hash spread over the index") {
  std::vector<int64_t> keys = collidingKeys(2048);
  std::set<uint64_t> slots;
  for (int64_t key : keys) slots.insert(hashKey(Value::integer(key)) & 0xfff0);
  // 2048 keys over 4096 block positions: about 1600 distinct when spread,
  // 1 when they collide.
  CHECK(slots.size() > 1000);

  RootedHeap rooted;
  Map* map = rooted.heap.newMap();
  rooted.roots.push_back(Value::object(map));
  for (int64_t key : keys) rooted.heap.mapSet(map, Value::integer(key), Value::integer(key / 16));
  for (int64_t key : keys) {
    Value found;
    REQUIRE(rooted.heap.mapGet(map, Value::integer(key), &found));
    CHECK(found.as.i == key / 16);
  }
}
