// Size-segregated blocks for the heap's small allocations (strings, records,
// closures, upvalues, object headers and small arrays: nearly every guest
// allocation). malloc spent most of its time consolidating and splitting
// chunks when millions of short-lived blocks came and went; here each size
// class has its own 64 KiB chunks and a free list, so allocating and freeing
// are a few instructions, and blocks of a class sit side by side in memory.
//
// Every block handed out and not yet released can be visited chunk by chunk in
// address order (forEachLiveBlock, or downwards), which is how the collector
// sweeps small objects: a linear scan instead of chasing a linked list through
// the heap.
// A released block is recognised by kFreeMark in its first byte, which must
// therefore never be the first byte of a live block (objects begin with their
// kind, a small enum).
//
// A pool that has grown large takes its chunks from 32 MiB regions instead
// of malloc. The regions are huge blocks, on transparent huge pages where
// the host makes them worth it: one page fault and one TLB entry per 2 MiB
// instead of per 4 KiB (docs/design.md, "Huge pages").
// Small programs never reach the regions, so they pay no resident memory for
// half-used huge pages.
//
// Memory stays with the pool until it is destroyed. Under AddressSanitizer a
// released block is poisoned past its mark, so a use after free is reported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shapevm {

class SmallPool {
 public:
  static constexpr std::size_t kGranule = 16;    // block sizes are multiples of this
  static constexpr std::size_t kMaxBytes = 256;  // larger blocks go to malloc
  static constexpr uint8_t kFreeMark = 0xff;

  SmallPool() { abandon(); }
  SmallPool(const SmallPool&) = delete;
  SmallPool& operator=(const SmallPool&) = delete;
  ~SmallPool();

  // A block of at least `bytes` (1..kMaxBytes) bytes, or nullptr when the
  // system is out of memory.
  void* allocate(std::size_t bytes);
  // Returns a block from allocate(bytes) (same `bytes`, or the same class).
  void release(void* block, std::size_t bytes);
  // Forgets every block without freeing its memory, for a process about to
  // exit (Heap::abandonAtExit); the pool is empty afterwards, as when new.
  void abandon();
  // Takes over every block of `other`, live or free, and the memory behind
  // them, leaving `other` empty: a pool filled on another thread joins this
  // one (a large resume rebuilds its heap on two threads, restore.cpp).
  void adopt(SmallPool& other);
  // Takes chunks from huge-page regions from now on, without first using
  // 4 MiB of malloc'd ones: for a pool about to be filled with many blocks at
  // once (a large snapshot's heap), where the small chunks would cost a page
  // fault per 4 KiB.
  void preferRegions() { regionsOnly_ = true; }

  // Calls visit(block) for every block handed out and not released. `visit`
  // may release the block it is given, but must not allocate.
  template <typename F>
  void forEachLiveBlock(F&& visit) const {
    for (const Chunk& chunk : chunks_) {
      for (char* block = chunk.begin; block < chunk.end; block += chunk.blockBytes) {
        if (static_cast<uint8_t>(*block) != kFreeMark) visit(static_cast<void*>(block));
      }
    }
  }
  // The same, from the highest address down: for sweeping. A released block
  // goes to the front of its free list, so blocks released in this order
  // leave each list in ascending address order, and the allocations that
  // follow walk memory forwards, which the hardware prefetches
  // (docs/design.md, "A collector that touches less cold memory").
  template <typename F>
  void forEachLiveBlockDescending(F&& visit) const {
    for (auto chunk = chunks_.rbegin(); chunk != chunks_.rend(); ++chunk) {
      for (char* block = chunk->end; block != chunk->begin;) {
        block -= chunk->blockBytes;
        if (static_cast<uint8_t>(*block) != kFreeMark) visit(static_cast<void*>(block));
      }
    }
  }

 private:
  struct FreeBlock {
    uint8_t mark;  // kFreeMark
    FreeBlock* next;
  };
  struct Chunk {
    char* begin;
    char* end;  // blocks are carved up to here
    std::size_t blockBytes;
    bool inRegion;  // carved from a region, not malloc'd
  };
  static constexpr std::size_t kClasses = kMaxBytes / kGranule;
  static constexpr std::size_t kChunkBytes = std::size_t{64} << 10;
  static constexpr std::size_t kNoChunk = SIZE_MAX;
  // Chunks past this many bytes come from regions.
  static constexpr std::size_t kMallocChunkLimit = std::size_t{4} << 20;
  static constexpr std::size_t kRegionBytes = std::size_t{32} << 20;
  static std::size_t classOf(std::size_t bytes) { return (bytes - 1) / kGranule; }
  // Memory for a new chunk, or nullptr.
  char* newChunkMemory(bool* inRegion);
  // A block of class `sizeClass` from a new chunk, or nullptr.
  [[gnu::noinline]] void* allocateInNewChunk(std::size_t sizeClass);

  FreeBlock* free_[kClasses];
  std::size_t current_[kClasses];  // each class's chunk being carved, or kNoChunk
  std::vector<Chunk> chunks_;
  struct Region {
    char* begin;        // 2 MiB-aligned
    std::size_t bytes;  // kRegionBytes, or less when made of kept memory
  };
  std::vector<Region> regions_;
  char* regionFree_ = nullptr;  // the uncarved part of the newest region
  char* regionEnd_ = nullptr;
  bool regionKept_ = false;  // the newest region is kept memory (huge_blocks::Recycling)
  bool regionsOnly_ = false;
};

}  // namespace shapevm
