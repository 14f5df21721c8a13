// Snapshot object ids by address, for the writer (snapshot_writer.cpp): the
// id of every heap object it has met, looked up once per reference.
//
// Why not a hash table keyed by address: with a million objects such a table
// is tens of MB probed at random, one cache and TLB miss per reference, and
// it was most of the writer's time (docs/design.md, "What each snapshot
// optimisation bought"). Here ids sit in per-page blocks indexed by the
// object's 16-byte granule inside its 4 KiB page. Two objects never share a
// granule (every object is at least 16 bytes), so the index is exact, and the
// writer's breadth-first order meets objects roughly in allocation order, so
// consecutive lookups hit the same or a nearby block. Only the small table of
// pages is hashed, and the pages found last are remembered, one per slot of
// a small cache indexed by the page's low bits: references interleave a walk
// through consecutive pages with a few far ones (shared strings, a record's
// older neighbours), and with one page remembered, each far reference cost
// two hash lookups: its own and the walk's next.
//
// The blocks (1 KiB per page of the heap that holds a written object) are
// carved from regions of fresh anonymous memory, which is zero, as a new
// block must be, and on huge pages once a region is 4 MiB or more: allocated
// one at a time on 4 KiB pages, they cost a page fault every four blocks.
// Regions double from 256 KiB, so that a small heap's snapshot takes no huge
// page.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <new>
#include <vector>

#include "core/huge_pages.h"
#include "core/object.h"

namespace shapevm {

class ObjectIds {
 public:
  ObjectIds() : pages_(64) {}
  ObjectIds(const ObjectIds&) = delete;
  ObjectIds& operator=(const ObjectIds&) = delete;
  ~ObjectIds() {
    for (const Region& region : regions_) ::munmap(region.blocks, region.count * sizeof(Block));
  }

  // The id of `object`; if it has none yet it gets `next`, and *added is set.
  uint32_t find(const Obj* object, uint32_t next, bool* added) {
    auto address = reinterpret_cast<uintptr_t>(object);
    uint32_t& slot = (*blockOf(address >> kPageBits))[(address & kPageMask) >> kGranuleBits];
    *added = slot == 0;
    if (*added) slot = next + 1;  // 0 means "no id yet"
    return slot - 1;
  }

 private:
  static constexpr unsigned kPageBits = 12;
  static constexpr unsigned kGranuleBits = 4;
  static constexpr uintptr_t kPageMask = (uintptr_t{1} << kPageBits) - 1;
  using Block = std::array<uint32_t, (std::size_t{1} << (kPageBits - kGranuleBits))>;

  struct PageSlot {
    uintptr_t page = 0;  // 0: free (page 0 holds no objects)
    Block* block = nullptr;
  };

  Block* blockOf(uintptr_t page) {
    PageSlot& recent = recent_[page & (kRecentPages - 1)];
    if (recent.page == page) return recent.block;
    if (2 * (used_ + 1) > pages_.size()) grow();
    std::size_t mask = pages_.size() - 1;
    std::size_t i = slotOf(page, mask);
    while (pages_[i].page != page && pages_[i].page != 0) i = (i + 1) & mask;
    if (pages_[i].page == 0) {
      pages_[i] = PageSlot{page, newBlock()};
      ++used_;
    }
    recent = pages_[i];
    return recent.block;
  }
  static std::size_t slotOf(uintptr_t page, std::size_t mask) {
    return static_cast<std::size_t>((uint64_t{page} * 0x9e3779b97f4a7c15ull) >> 32) & mask;
  }
  void grow() {
    std::vector<PageSlot> old(pages_.size() * 2);
    old.swap(pages_);
    std::size_t mask = pages_.size() - 1;
    for (const PageSlot& slot : old) {
      if (slot.page == 0) continue;
      std::size_t i = slotOf(slot.page, mask);
      while (pages_[i].page != 0) i = (i + 1) & mask;
      pages_[i] = slot;
    }
  }

  // A block with no ids yet.
  Block* newBlock() {
    if (regions_.empty() || regions_.back().used == regions_.back().count) {
      std::size_t count = regions_.empty() ? kFirstRegionBlocks
                                           : std::min(2 * regions_.back().count, kMaxRegionBlocks);
      void* memory = ::mmap(nullptr, count * sizeof(Block), PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (memory == MAP_FAILED) throw std::bad_alloc();
      adviseHugePagesOnFresh(memory, count * sizeof(Block));
      regions_.push_back(Region{static_cast<Block*>(memory), count, 0});
    }
    Region& region = regions_.back();
    return &region.blocks[region.used++];
  }

  struct Region {
    Block* blocks;
    std::size_t count;
    std::size_t used;
  };
  static constexpr std::size_t kFirstRegionBlocks = 256;      // 256 KiB
  static constexpr std::size_t kMaxRegionBlocks = 32 * 1024;  // 32 MiB

  std::vector<PageSlot> pages_;  // open addressing, at most half full
  std::size_t used_ = 0;
  std::vector<Region> regions_;  // blocks never move
  static constexpr std::size_t kRecentPages = 64;
  std::array<PageSlot, kRecentPages> recent_{};  // page 0: empty
};

}  // namespace shapevm
