// Heap::CollectionPause: no collection while a pause lives, the memory limit
// still enforced, and the next collection scheduled from the live size when
// the last pause ends.
#include <catch2/catch.hpp>
#include <vector>

#include "core/heap.h"

using namespace shapevm;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

}  // namespace

TEST_CASE("no collection runs while a pause lives, however much is allocated") {
  Heap heap;
  heap.setRootMarker([](Heap&) {});  // everything allocated is garbage
  {
    Heap::CollectionPause pause(heap);
    for (int i = 0; i < 64; ++i) heap.newStringUninit(kMiB);  // 8 times the first threshold
    REQUIRE(heap.stats().collections == 0);
    REQUIRE(heap.bytesAllocated() >= 64 * kMiB);
  }
  REQUIRE(heap.stats().collections == 0);
  // The pause is over: the next threshold is twice what is held now, so
  // allocating past it collects the garbage.
  std::size_t held = heap.bytesAllocated();
  while (heap.stats().collections == 0) heap.newStringUninit(kMiB);
  REQUIRE(heap.bytesAllocated() < held);
}

TEST_CASE("the next collection after a pause waits for the heap to double") {
  Heap heap;
  std::vector<String*> live;
  heap.setRootMarker([&](Heap& h) {
    for (String* s : live) h.markObject(s);
  });
  {
    Heap::CollectionPause pause(heap);
    for (int i = 0; i < 32; ++i) live.push_back(heap.newStringUninit(kMiB));
  }
  std::size_t held = heap.bytesAllocated();
  while (heap.bytesAllocated() + kMiB + 64 <= 2 * held) heap.newStringUninit(kMiB);
  REQUIRE(heap.stats().collections == 0);
  heap.newStringUninit(kMiB);
  heap.newStringUninit(kMiB);
  REQUIRE(heap.stats().collections == 1);
  REQUIRE(heap.bytesAllocated() < held + 3 * kMiB);
}

TEST_CASE("nested pauses: collection resumes only when the outer one ends") {
  Heap heap;
  heap.setRootMarker([](Heap&) {});
  Heap::CollectionPause outer(heap);
  { Heap::CollectionPause inner(heap); }
  for (int i = 0; i < 16; ++i) heap.newStringUninit(kMiB);
  REQUIRE(heap.stats().collections == 0);
}

TEST_CASE("a pause keeps the memory limit: past it, allocation throws OutOfMemory") {
  Heap heap(16 * kMiB);
  heap.setRootMarker([](Heap&) {});  // all garbage, yet not collected while paused
  Heap::CollectionPause pause(heap);
  REQUIRE_THROWS_AS(
      [&] {
        for (int i = 0; i < 32; ++i) heap.newStringUninit(kMiB);
      }(),
      OutOfMemory);
  REQUIRE(heap.bytesAllocated() <= 16 * kMiB);
  REQUIRE(heap.stats().collections == 0);
}
