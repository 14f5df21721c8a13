// The small-block pool (small_pool.h): per-class chunks and free lists, with
// AddressSanitizer poisoning of every byte of a free block but its mark.
#include "core/small_pool.h"

#include <cstdlib>

#include "core/huge_blocks.h"
#include "core/huge_pages.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define SHAPEVM_POISON(address, size) ASAN_POISON_MEMORY_REGION(address, size)
#define SHAPEVM_UNPOISON(address, size) ASAN_UNPOISON_MEMORY_REGION(address, size)
#else
#define SHAPEVM_POISON(address, size) ((void)(address), (void)(size))
#define SHAPEVM_UNPOISON(address, size) ((void)(address), (void)(size))
#endif

namespace shapevm {

// The mark stays readable (forEachLiveBlock reads it); ASan poisons in 8-byte
// granules, so the rest of the block starts 8 bytes in.
constexpr std::size_t kMarkBytes = 8;

static_assert(sizeof(SmallPool::kFreeMark) == 1 && SmallPool::kGranule >= 16,
              "a free block holds its mark and the next free block");

SmallPool::~SmallPool() {
  for (const Chunk& chunk : chunks_) {
    SHAPEVM_UNPOISON(chunk.begin, kChunkBytes);
    if (!chunk.inRegion) std::free(chunk.begin);
  }
  for (const Region& region : regions_) huge_blocks::release(region.begin, region.bytes);
}

char* SmallPool::newChunkMemory(bool* inRegion) {
  *inRegion = false;
  if (!regionsOnly_ && chunks_.size() * kChunkBytes < kMallocChunkLimit) {
    return static_cast<char*>(std::malloc(kChunkBytes));
  }
  // A program that has come this far keeps many objects: a region is a huge
  // block, on huge pages where they are worth it, which take 512 times fewer
  // page faults and TLB entries (huge_blocks.h). Memory kept from freed
  // blocks while a resume recycles them (huge_blocks::Recycling) makes a
  // region of what there is, and is taken as soon as there is some, the
  // rest of a fresh region left untouched: a resume that decodes its heap
  // straight into it releases the file's pages as it goes.
  if (regionFree_ == regionEnd_ || !regionKept_) {
    regions_.reserve(regions_.size() + 1);  // before mapping: nothing to undo if this throws
    Region region{nullptr, 0};
    region.begin = static_cast<char*>(huge_blocks::takeKept(kRegionBytes, &region.bytes));
    regionKept_ = region.begin != nullptr;
    if (region.begin == nullptr && regionFree_ == regionEnd_) {
      region = {static_cast<char*>(huge_blocks::allocate(kRegionBytes)), kRegionBytes};
      if (region.begin == nullptr) return static_cast<char*>(std::malloc(kChunkBytes));
    }
    if (region.begin != nullptr) {
      regionFree_ = region.begin;
      regionEnd_ = region.begin + region.bytes;
      regions_.push_back(region);
    }
  }
  *inRegion = true;
  char* chunk = regionFree_;
  regionFree_ += kChunkBytes;
  // Its blocks are about to be handed out one after another: its pages are
  // mapped in one call rather than a fault each (populateForWriting).
  populateForWriting(chunk, kChunkBytes);
  return chunk;
}

void* SmallPool::allocate(std::size_t bytes) {
  std::size_t sizeClass = classOf(bytes);
  std::size_t blockBytes = (sizeClass + 1) * kGranule;
  if (FreeBlock* block = free_[sizeClass]) {
    SHAPEVM_UNPOISON(block, blockBytes);
    free_[sizeClass] = block->next;
    return block;
  }
  std::size_t current = current_[sizeClass];
  if (current == kNoChunk ||
      chunks_[current].end + blockBytes > chunks_[current].begin + kChunkBytes) {
    return allocateInNewChunk(sizeClass);
  }
  Chunk& chunk = chunks_[current];
  void* block = chunk.end;
  chunk.end += blockBytes;
  SHAPEVM_UNPOISON(block, blockBytes);
  return block;
}

// Out of line: the path taken once per 64 KiB chunk kept out of allocate,
// which then saves and restores fewer registers on every call.
void* SmallPool::allocateInNewChunk(std::size_t sizeClass) {
  std::size_t blockBytes = (sizeClass + 1) * kGranule;
  chunks_.reserve(chunks_.size() + 1);  // first: nothing to undo if this throws
  bool inRegion;
  char* begin = newChunkMemory(&inRegion);
  if (begin == nullptr) return nullptr;
  SHAPEVM_POISON(begin, kChunkBytes);
  current_[sizeClass] = chunks_.size();
  chunks_.push_back(Chunk{begin, begin + blockBytes, blockBytes, inRegion});
  SHAPEVM_UNPOISON(begin, blockBytes);
  return begin;
}

void SmallPool::abandon() {
  chunks_.clear();
  regions_.clear();
  regionFree_ = regionEnd_ = nullptr;
  for (std::size_t c = 0; c < kClasses; ++c) {
    free_[c] = nullptr;
    current_[c] = kNoChunk;
  }
}

void SmallPool::adopt(SmallPool& other) {
  // Room first: nothing to undo if this throws.
  chunks_.reserve(chunks_.size() + other.chunks_.size());
  regions_.reserve(regions_.size() + other.regions_.size());
  chunks_.insert(chunks_.end(), other.chunks_.begin(), other.chunks_.end());
  regions_.insert(regions_.end(), other.regions_.begin(), other.regions_.end());
  for (std::size_t c = 0; c < kClasses; ++c) {
    FreeBlock* head = other.free_[c];
    if (head == nullptr) continue;
    // The other list goes in front of this one; a free block's link is
    // poisoned, so it is opened for the moment it is read or written.
    FreeBlock* tail = head;
    while (true) {
      SHAPEVM_UNPOISON(&tail->next, sizeof tail->next);
      FreeBlock* next = tail->next;
      if (next == nullptr) break;
      SHAPEVM_POISON(&tail->next, sizeof tail->next);
      tail = next;
    }
    tail->next = free_[c];
    SHAPEVM_POISON(&tail->next, sizeof tail->next);
    free_[c] = head;
  }
  other.abandon();
}

void SmallPool::release(void* block, std::size_t bytes) {
  std::size_t sizeClass = classOf(bytes);
  auto* freed = static_cast<FreeBlock*>(block);
  freed->mark = kFreeMark;
  freed->next = free_[sizeClass];
  free_[sizeClass] = freed;
  SHAPEVM_POISON(static_cast<char*>(block) + kMarkBytes, (sizeClass + 1) * kGranule - kMarkBytes);
}

}  // namespace shapevm
