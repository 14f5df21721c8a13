// The writer's object ids (object_ids.h) by address: one id per object, kept
// across the regions its per-page blocks are carved from.
#include "snapshot/object_ids.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

namespace shapevm {
namespace {

// ObjectIds only reads addresses, so objects can be made up: granule
// `granule` (16 bytes) of page `page`.
const Obj* at(uintptr_t page, uintptr_t granule) {
  return reinterpret_cast<const Obj*>((page << 12) + granule * 16);
}

TEST_CASE("object ids are given in order and found again across block regions", "[snapshot][ids]") {
  ObjectIds ids;
  // 5000 pages take 5000 blocks: regions of 256, 512, 1024, 2048 and 4096.
  // Pages far apart and close together, several objects to a page, as a
  // heap's are.
  std::vector<const Obj*> objects;
  for (uintptr_t page = 1; page <= 5000; ++page) {
    uintptr_t where = page % 7 == 0 ? (uintptr_t{1} << 30) + page * 977 : 0x10000 + page;
    for (uintptr_t granule : {uintptr_t{0}, uintptr_t{1}, uintptr_t{255}}) {
      objects.push_back(at(where, granule));
    }
  }
  for (std::size_t i = 0; i < objects.size(); ++i) {
    bool added = false;
    REQUIRE(ids.find(objects[i], static_cast<uint32_t>(i), &added) == i);
    REQUIRE(added);
  }
  // Met again, in another order: the same ids, none new.
  for (std::size_t i = objects.size(); i-- > 0;) {
    bool added = true;
    REQUIRE(ids.find(objects[i], 999999, &added) == i);
    REQUIRE_FALSE(added);
  }
  // A granule never met on a page whose block exists gets the next id.
  bool added = false;
  CHECK(ids.find(at(0x10001, 2), static_cast<uint32_t>(objects.size()), &added) == objects.size());
  CHECK(added);
}

}  // namespace
}  // namespace shapevm
