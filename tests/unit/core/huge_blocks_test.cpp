// Huge blocks: they start on 2 MiB boundaries, keep their contents when they
// grow in place, move or shrink; an array growing from the pool through
// malloc into one keeps every value, and the collector releases it; while a
// Recycling lives, the resident front of a released block is handed out
// again, to allocate and to a small pool's regions (at its next chunk, even
// with room left in a fresh region), and nothing once it ends; a releasable
// buffer's pages are kept as they are released, and the rest when it goes.
#include "core/huge_blocks.h"

#include <sys/mman.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/heap.h"
#include "core/huge_pages.h"
#include "core/small_pool.h"
#include "rooted_heap.h"

using namespace shapevm;

namespace {

bool onHugeBoundary(const void* block) {
  return reinterpret_cast<std::uintptr_t>(block) % kHugePage == 0;
}

// Fills `bytes` of the block with a pattern that differs at every 8 bytes.
void fill(void* block, std::size_t bytes) {
  auto* words = static_cast<std::uint64_t*>(block);
  for (std::size_t i = 0; i < bytes / 8; ++i) words[i] = i * 0x9e3779b97f4a7c15u;
}

bool holdsPattern(const void* block, std::size_t bytes) {
  const auto* words = static_cast<const std::uint64_t*>(block);
  for (std::size_t i = 0; i < bytes / 8; ++i) {
    if (words[i] != i * 0x9e3779b97f4a7c15u) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("huge blocks start on 2 MiB boundaries and keep their contents as they change size") {
  const std::size_t small = huge_blocks::kMinBytes + 24;
  void* block = huge_blocks::allocate(small);
  REQUIRE(block != nullptr);
  CHECK(onHugeBoundary(block));
  fill(block, small);

  const std::size_t large = 16 * huge_blocks::kMinBytes + 8;
  block = huge_blocks::reallocate(block, small, large);
  REQUIRE(block != nullptr);
  CHECK(onHugeBoundary(block));
  CHECK(holdsPattern(block, small));
  fill(block, large);  // the new part is writable

  block = huge_blocks::reallocate(block, large, small);
  REQUIRE(block != nullptr);
  CHECK(holdsPattern(block, small));
  huge_blocks::release(block, small);
}

TEST_CASE("a huge block that cannot grow in place moves to another 2 MiB boundary") {
  const std::size_t bytes = huge_blocks::kMinBytes;
  void* block = huge_blocks::allocate(bytes);
  REQUIRE(block != nullptr);
  fill(block, bytes);
  // Occupy the address space right after the block, so growing must move it.
  void* after = static_cast<char*>(block) + bytes;
  void* guard =
      ::mmap(after, kHugePage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  REQUIRE(guard == after);

  void* grown = huge_blocks::reallocate(block, bytes, 4 * bytes);
  REQUIRE(grown != nullptr);
  CHECK(grown != block);
  CHECK(onHugeBoundary(grown));
  CHECK(holdsPattern(grown, bytes));
  huge_blocks::release(grown, 4 * bytes);
  ::munmap(guard, kHugePage);
}

TEST_CASE("an array growing into a huge block keeps its values and the collector releases it") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  Array* array = heap.newArray();
  rooted.roots.push_back(Value::object(array));
  // 2^20 values of 16 bytes: the items pass from the pool through malloc
  // into huge blocks, growing in place or moving on the way.
  const std::int64_t count = std::int64_t{1} << 20;
  for (std::int64_t i = 0; i < count; ++i) heap.arrayPush(array, Value::integer(i * 3));
  CHECK(array->capacity * sizeof(Value) >= huge_blocks::kMinBytes);
  CHECK(onHugeBoundary(array->items));
  bool allKept = true;
  for (std::int64_t i = 0; i < count; ++i) allKept = allKept && array->items[i].as.i == i * 3;
  CHECK(allKept);
  rooted.roots.clear();
  heap.collect();
  CHECK(heap.bytesAllocated() < SmallPool::kMaxBytes);
}

TEST_CASE("while recycling, the resident front of a released block is handed out again") {
  const std::size_t mapped = 8 * huge_blocks::kMinBytes;
  const std::size_t touched = huge_blocks::kMinBytes;  // two 2 MiB pages
  std::size_t bytes = 0;
  {
    huge_blocks::Recycling recycling;
    CHECK(huge_blocks::takeKept(mapped, &bytes) == nullptr);
    void* block = huge_blocks::allocate(mapped);
    REQUIRE(block != nullptr);
    fill(block, touched);
    huge_blocks::release(block, mapped);
    // Only the pages written are kept, contents and all: the same memory.
    void* kept = huge_blocks::takeKept(mapped, &bytes);
    REQUIRE(kept == block);
    CHECK(bytes == touched);
    CHECK(holdsPattern(kept, touched));
    huge_blocks::release(kept, bytes);
    // allocate takes the smallest kept run that holds the request.
    void* larger = huge_blocks::allocate(2 * touched);
    REQUIRE(larger != nullptr);
    CHECK(larger != block);
    fill(larger, 2 * touched);
    huge_blocks::release(larger, 2 * touched);
    CHECK(huge_blocks::allocate(touched) == block);
    void* front = huge_blocks::allocate(touched);
    CHECK(front == larger);
    huge_blocks::release(front, touched);
    huge_blocks::release(block, touched);
  }
  // Ended: what it kept was unmapped, and nothing more is kept.
  void* block = huge_blocks::allocate(huge_blocks::kMinBytes);
  REQUIRE(block != nullptr);
  fill(block, huge_blocks::kMinBytes);
  huge_blocks::release(block, huge_blocks::kMinBytes);
  CHECK(huge_blocks::takeKept(huge_blocks::kMinBytes, &bytes) == nullptr);
}

TEST_CASE("a small pool makes regions of the memory kept while recycling") {
  huge_blocks::Recycling recycling;
  void* block = huge_blocks::allocate(huge_blocks::kMinBytes);
  REQUIRE(block != nullptr);
  fill(block, kHugePage);  // one 2 MiB page kept: a region smaller than the usual
  huge_blocks::release(block, huge_blocks::kMinBytes);
  {
    SmallPool pool;
    pool.preferRegions();
    // 3 MiB of 64-byte blocks: the kept 2 MiB, then a region of its own.
    const std::size_t count = (std::size_t{3} << 20) / 64;
    std::vector<char*> blocks;
    for (std::size_t i = 0; i < count; ++i) {
      auto* small = static_cast<char*>(pool.allocate(64));
      REQUIRE(small != nullptr);
      std::memset(small, 1, 64);
      blocks.push_back(small);
    }
    auto* region = static_cast<char*>(block);
    CHECK(blocks.front() == region);
    std::size_t inKept = 0;
    for (char* small : blocks) inKept += small >= region && small < region + kHugePage;
    CHECK(inKept == kHugePage / 64);
    std::size_t live = 0;
    pool.forEachLiveBlock([&](void*) { ++live; });
    CHECK(live == count);
  }
  // The pool gave its regions back: the kept one among them, whole.
  std::size_t bytes = 0;
  void* largest = huge_blocks::takeKept(std::size_t{64} << 20, &bytes);
  CHECK(largest != nullptr);
  CHECK(bytes >= kHugePage);
  if (largest != nullptr) huge_blocks::release(largest, bytes);
}

TEST_CASE("a pool in a fresh region takes memory kept meanwhile at its next chunk") {
  const std::size_t kChunk = std::size_t{64} << 10;  // a pool's chunk
  huge_blocks::Recycling recycling;
  SmallPool pool;
  pool.preferRegions();
  auto* first = static_cast<char*>(pool.allocate(64));
  REQUIRE(first != nullptr);
  // Kept only now, while the pool's first region has room left.
  void* block = huge_blocks::allocate(huge_blocks::kMinBytes);
  REQUIRE(block != nullptr);
  fill(block, kHugePage);
  huge_blocks::release(block, huge_blocks::kMinBytes);
  auto* region = static_cast<char*>(block);
  std::size_t inKept = 0;
  for (std::size_t i = 0; i < 2 * kChunk / 64; ++i) {
    auto* small = static_cast<char*>(pool.allocate(64));
    REQUIRE(small != nullptr);
    inKept += small >= region && small < region + kHugePage;
  }
  // The rest of the first chunk, then the kept page.
  CHECK(inKept >= kChunk / 64);
}

TEST_CASE("a releasable buffer's pages are handed out as they are released, the rest with it") {
  const std::size_t bytes = 3 * kHugePage + 100;  // four pages, the last partly used
  std::size_t kept = 0;
  {
    huge_blocks::Recycling recycling;
    char* page1 = nullptr;
    {
      huge_blocks::ReleasableBuffer buffer(bytes);
      REQUIRE(buffer.data() != nullptr);
      CHECK(onHugeBoundary(buffer.data()));
      fill(buffer.data(), bytes - 100);
      // Only whole pages inside the range: the second one.
      buffer.releasePages(buffer.data() + 100, buffer.data() + 2 * kHugePage + 5);
      page1 = buffer.data() + kHugePage;
      void* taken = huge_blocks::takeKept(kHugePage, &kept);
      CHECK(taken == page1);
      CHECK(kept == kHugePage);
      // Released again, nothing happens: the page is the taker's now.
      buffer.releasePages(buffer.data(), buffer.data() + 2 * kHugePage);
      void* next = huge_blocks::takeKept(kHugePage, &kept);
      CHECK(next == buffer.data());  // the first page, released by this call
      CHECK(huge_blocks::takeKept(kHugePage, &kept) == nullptr);
      if (taken != nullptr) huge_blocks::release(taken, kHugePage);
      if (next != nullptr) huge_blocks::release(next, kHugePage);
    }
    // The buffer gave back its other pages when it went: the third, and not
    // the fourth, which was never written.
    std::size_t left = 0;
    std::vector<std::pair<void*, std::size_t>> runs;
    while (void* run = huge_blocks::takeKept(std::size_t{64} << 20, &kept)) {
      left += kept;
      runs.emplace_back(run, kept);
    }
    CHECK(left == 3 * kHugePage);
    for (auto [run, length] : runs) huge_blocks::release(run, length);
  }
  // A small buffer is plain memory: nothing is released early.
  huge_blocks::Recycling recycling;
  huge_blocks::ReleasableBuffer small(4096);
  REQUIRE(small.data() != nullptr);
  small.releasePages(small.data(), small.data() + 4096);
  CHECK(huge_blocks::takeKept(kHugePage, &kept) == nullptr);
}
