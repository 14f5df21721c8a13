// The small-block pool: blocks are reused within their size class, never
// overlap, and forEachLiveBlock sees exactly the blocks handed out; a sweep
// from the top leaves free blocks to be handed out upwards; and the heap's
// sweep over it frees exactly the unreachable small and large objects; a
// pool or heap filled on another thread is adopted whole.
#include "core/small_pool.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "core/heap.h"
#include "rooted_heap.h"

using namespace shapevm;

namespace {

std::set<void*> liveBlocks(const SmallPool& pool) {
  std::set<void*> seen;
  pool.forEachLiveBlock([&](void* block) { seen.insert(block); });
  return seen;
}

}  // namespace

TEST_CASE("pool blocks are aligned, disjoint and reused within their class") {
  SmallPool pool;
  std::vector<std::pair<char*, std::size_t>> blocks;
  for (std::size_t bytes = 1; bytes <= SmallPool::kMaxBytes; bytes += 7) {
    for (int copy = 0; copy < 50; ++copy) {
      auto* block = static_cast<char*>(pool.allocate(bytes));
      REQUIRE(block != nullptr);
      CHECK(reinterpret_cast<uintptr_t>(block) % SmallPool::kGranule == 0);
      std::memset(block, static_cast<int>(bytes & 0x7f), bytes);  // first byte never kFreeMark
      blocks.emplace_back(block, bytes);
    }
  }
  for (const auto& [block, bytes] : blocks) {  // nothing overwrote anything
    for (std::size_t i = 0; i < bytes; ++i) REQUIRE(block[i] == static_cast<char>(bytes & 0x7f));
  }
  std::set<void*> handedOut;
  for (const auto& entry : blocks) handedOut.insert(entry.first);
  CHECK(liveBlocks(pool) == handedOut);

  auto [first, firstBytes] = blocks.front();
  pool.release(first, firstBytes);
  handedOut.erase(first);
  CHECK(liveBlocks(pool) == handedOut);
  CHECK(pool.allocate(firstBytes) == first);  // the freed block comes back first
}

TEST_CASE("a visitor may release the block it is given") {
  SmallPool pool;
  std::vector<void*> blocks;
  for (int i = 0; i < 10'000; ++i) {
    void* block = pool.allocate(48);
    *static_cast<uint8_t*>(block) = static_cast<uint8_t>(i % 2);
    blocks.push_back(block);
  }
  pool.forEachLiveBlock([&](void* block) {
    if (*static_cast<uint8_t*>(block) == 1) pool.release(block, 48);
  });
  std::set<void*> remaining = liveBlocks(pool);
  CHECK(remaining.size() == 5'000);
  for (void* block : remaining) CHECK(*static_cast<uint8_t*>(block) == 0);
}

TEST_CASE("blocks released from the top down are handed out again bottom up") {
  SmallPool pool;
  // Chunks carved from one region, in address order; malloc'd chunks come in
  // whatever order malloc gives them, which depends on the tests before.
  pool.preferRegions();
  std::vector<char*> blocks;
  for (int i = 0; i < 5'000; ++i) {  // several chunks
    auto* block = static_cast<char*>(pool.allocate(48));
    *block = static_cast<char>(i % 3 == 0);  // 1: to be released
    blocks.push_back(block);
  }
  std::vector<char*> visited;
  std::vector<char*> released;
  pool.forEachLiveBlockDescending([&](void* block) {
    auto* bytes = static_cast<char*>(block);
    visited.push_back(bytes);
    if (*bytes == 1) {
      released.push_back(bytes);
      pool.release(block, 48);
    }
  });
  CHECK(visited.size() == blocks.size());
  CHECK(std::is_sorted(visited.rbegin(), visited.rend()));  // from the highest address down
  std::sort(released.begin(), released.end());
  std::vector<char*> reused;
  for (std::size_t i = 0; i < released.size(); ++i) {
    reused.push_back(static_cast<char*>(pool.allocate(48)));
  }
  CHECK(reused == released);  // every released block, lowest address first
}

TEST_CASE("the sweep frees unreachable small and large objects and keeps the rest") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  std::vector<Value>& roots = rooted.roots;
  std::size_t baseline = heap.bytesAllocated();
  for (int i = 0; i < 20'000; ++i) {
    bool keep = i % 10 == 0;
    String* small = heap.newString("small string");
    if (keep) roots.push_back(Value::object(small));  // rooted before the next allocation
    String* large = heap.newStringUninit(1000);       // above the pool's block size
    std::memset(large->chars(), 'L', 1000);
    if (keep) roots.push_back(Value::object(large));
  }
  heap.collect();
  CHECK(heap.stats().objects == 4'000);
  for (std::size_t i = 0; i < roots.size(); i += 2) {
    CHECK(asString(roots[i])->view() == "small string");
    CHECK(asString(roots[i + 1])->view() == std::string(1000, 'L'));
  }
  roots.clear();
  heap.collect();
  CHECK(heap.stats().objects == 0);
  CHECK(heap.bytesAllocated() == baseline);
}

TEST_CASE("a pool that has grown past its malloc'd chunks carves them from regions") {
  // 48 MiB of blocks of every class: past the first 4 MiB the chunks come
  // from regions of 32 MiB (huge blocks), so this crosses into a second
  // region.
  SmallPool pool;
  std::vector<std::pair<uint32_t*, std::size_t>> blocks;
  std::size_t total = 0;
  for (uint32_t n = 0; total < (std::size_t{48} << 20); ++n) {
    std::size_t bytes =
        SmallPool::kGranule * (1 + n % (SmallPool::kMaxBytes / SmallPool::kGranule));
    auto* block = static_cast<uint32_t*>(pool.allocate(bytes));
    REQUIRE(block != nullptr);
    block[0] = n % 0x80;  // the first byte is never kFreeMark
    block[bytes / sizeof(uint32_t) - 1] = n;
    blocks.emplace_back(block, bytes);
    total += bytes;
  }
  std::set<void*> handedOut;
  for (uint32_t n = 0; n < blocks.size(); ++n) {  // nothing overwrote anything
    auto [block, bytes] = blocks[n];
    REQUIRE(block[0] == n % 0x80);
    REQUIRE(block[bytes / sizeof(uint32_t) - 1] == n);
    handedOut.insert(block);
  }
  CHECK(handedOut.size() == blocks.size());
  CHECK(liveBlocks(pool) == handedOut);
}

TEST_CASE("an adopted pool's live blocks are visited and its free blocks handed out again") {
  SmallPool pool, other;
  other.preferRegions();  // its chunks from a region, the first pool's from malloc
  std::vector<char*> mine, theirs;
  for (int i = 0; i < 3000; ++i) {
    mine.push_back(static_cast<char*>(pool.allocate(48)));
    theirs.push_back(static_cast<char*>(other.allocate(48)));
    *mine.back() = 1;
    *theirs.back() = 2;
  }
  std::set<char*> freed;
  for (std::size_t i = 0; i < theirs.size(); i += 3) {
    other.release(theirs[i], 48);
    freed.insert(theirs[i]);
  }
  std::set<void*> live = liveBlocks(pool);
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    if (i % 3 != 0) live.insert(theirs[i]);
  }
  pool.adopt(other);
  CHECK(liveBlocks(other).empty());
  CHECK(liveBlocks(pool) == live);
  // Every block the other pool had freed comes back before new memory does.
  std::set<char*> reused;
  for (std::size_t i = 0; i < freed.size(); ++i) {
    auto* block = static_cast<char*>(pool.allocate(48));
    *block = 3;
    reused.insert(block);
  }
  CHECK(reused == freed);
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    if (i % 3 != 0) CHECK(*theirs[i] == 2);
  }
  CHECK(other.allocate(48) != nullptr);  // left empty, and usable
}

TEST_CASE("a heap that adopts another keeps its objects, counts them and collects them") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  std::size_t baseline = heap.bytesAllocated();
  String* kept = heap.newString("kept here");
  rooted.roots.push_back(Value::object(kept));
  Array* carried;
  {
    Heap other;
    other.preferHugePages();
    Heap::CollectionPause pause(other);
    carried = other.newArray(2);
    carried->items[carried->count++] = Value::object(other.newString("from the other heap"));
    String* large = other.newStringUninit(1000);  // a large object, on its own list
    std::memset(large->chars(), 'L', 1000);
    carried->items[carried->count++] = Value::object(large);
    other.newString("garbage");
    heap.adopt(other);
    CHECK(other.stats().objects == 0);
    CHECK(other.bytesAllocated() == 0);
  }
  rooted.roots.push_back(Value::object(carried));
  CHECK(heap.stats().objects == 5);
  heap.collect();
  CHECK(heap.stats().objects == 4);
  CHECK(asString(carried->items[0])->view() == "from the other heap");
  CHECK(asString(carried->items[1])->view() == std::string(1000, 'L'));
  CHECK(asString(rooted.roots[0])->view() == "kept here");
  rooted.roots.clear();
  heap.collect();
  CHECK(heap.stats().objects == 0);
  CHECK(heap.bytesAllocated() == baseline);
}

TEST_CASE("adopting a heap past the limit throws OutOfMemory with the objects adopted") {
  RootedHeap rooted(64 << 10);
  Heap other(1 << 20);
  Heap::CollectionPause pause(other);
  for (int i = 0; i < 2; ++i) other.newStringUninit(40 << 10);
  CHECK_THROWS_AS(rooted.heap.adopt(other), OutOfMemory);
  CHECK(rooted.heap.stats().objects == 2);
  CHECK(other.stats().objects == 0);
}
