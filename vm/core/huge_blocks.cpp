// Huge blocks (huge_blocks.h): anonymous mappings rounded to whole 2 MiB
// pages, so that each block's pages start and stay on 2 MiB boundaries, where
// the kernel can map them as huge pages and mremap can move them whole.
#include "core/huge_blocks.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "core/huge_pages.h"

namespace shapevm::huge_blocks {
namespace {

std::size_t mappedBytes(std::size_t bytes) { return alignUpToHugePage(bytes); }

// `length` bytes of fresh memory at a 2 MiB boundary: mapped with one huge
// page of slack, whose unaligned ends are then unmapped.
char* mapAligned(std::size_t length) {
  std::size_t withSlack = length + kHugePage;
  void* mapped =
      ::mmap(nullptr, withSlack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  auto* begin = static_cast<char*>(mapped);
  auto* aligned =
      reinterpret_cast<char*>(alignUpToHugePage(reinterpret_cast<std::uintptr_t>(begin)));
  if (aligned > begin) ::munmap(begin, static_cast<std::size_t>(aligned - begin));
  char* end = begin + withSlack;
  if (end > aligned + length)
    ::munmap(aligned + length, static_cast<std::size_t>(end - aligned - length));
  return aligned;
}

// The memory kept while a Recycling lives: runs of whole 2 MiB pages, each
// still mapped and resident.
struct Span {
  char* begin;
  std::size_t length;
};
std::atomic<bool> recycling{false};
std::mutex keptLock;
std::vector<Span> kept;

// The first `length` bytes of the kept run `span` (at least that long), taken
// out of it. Called with keptLock held.
char* carve(std::vector<Span>::iterator span, std::size_t length) {
  char* block = span->begin;
  span->begin += length;
  span->length -= length;
  if (span->length == 0) kept.erase(span);
  return block;
}

// The first `length` bytes of the smallest kept run that holds them, or
// nullptr. Called with keptLock held.
char* takeFront(std::size_t length) {
  auto best = kept.end();
  for (auto span = kept.begin(); span != kept.end(); ++span) {
    if (span->length >= length && (best == kept.end() || span->length < best->length)) best = span;
  }
  return best == kept.end() ? nullptr : carve(best, length);
}

// How much of the block's front holds resident pages, in whole 2 MiB pages:
// the pools released in a resume filled from the front, and the rest of
// their address space was never touched. None if that cannot be known.
std::size_t residentFront(char* block, std::size_t length) {
  auto pageBytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident;
  try {
    resident.resize(length / pageBytes);
  } catch (const std::bad_alloc&) {
    return 0;
  }
  if (::mincore(block, length, resident.data()) != 0) return 0;
  std::size_t last = resident.size();
  while (last > 0 && (resident[last - 1] & 1) == 0) --last;
  return mappedBytes(last * pageBytes);
}

}  // namespace

Recycling::Recycling() { recycling.store(true, std::memory_order_release); }

Recycling::~Recycling() {
  std::lock_guard<std::mutex> hold(keptLock);
  recycling.store(false, std::memory_order_release);
  for (const Span& span : kept) ::munmap(span.begin, span.length);
  kept.clear();
  kept.shrink_to_fit();
}

void* takeKept(std::size_t maxBytes, std::size_t* bytes) {
  if (!recycling.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard<std::mutex> hold(keptLock);
  auto largest = std::max_element(kept.begin(), kept.end(),
                                  [](const Span& a, const Span& b) { return a.length < b.length; });
  if (largest == kept.end()) return nullptr;
  *bytes = std::min(largest->length, mappedBytes(maxBytes));
  return carve(largest, *bytes);
}

void* allocate(std::size_t bytes) {
  std::size_t length = mappedBytes(bytes);
  if (recycling.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> hold(keptLock);
    if (char* block = takeFront(length)) return block;
  }
  char* block = mapAligned(length);
  if (block != nullptr) adviseHugePagesOnFresh(block, length);
  return block;
}

void* reallocate(void* block, std::size_t oldBytes, std::size_t newBytes) {
  std::size_t oldLength = mappedBytes(oldBytes);
  std::size_t newLength = mappedBytes(newBytes);
  if (newLength == oldLength) return block;
  // In place when shrinking, or growing into free address space.
  void* resized = ::mremap(block, oldLength, newLength, 0);
  if (resized == MAP_FAILED) {
    // Elsewhere, at a 2 MiB boundary so that its huge pages move whole.
    char* destination = mapAligned(newLength);
    if (destination == nullptr) return nullptr;
    resized = ::mremap(block, oldLength, newLength, MREMAP_MAYMOVE | MREMAP_FIXED, destination);
    if (resized == MAP_FAILED) {
      ::munmap(destination, newLength);
      return nullptr;
    }
  }
  // The whole block takes the advice again; only its part past oldBytes is fresh.
  if (newLength > oldLength) adviseHugePagesOnFresh(resized, newLength, oldLength);
  return resized;
}

void release(void* block, std::size_t bytes) {
  auto* begin = static_cast<char*>(block);
  std::size_t length = mappedBytes(bytes);
  if (recycling.load(std::memory_order_acquire)) {
    std::size_t keep = residentFront(begin, length);
    std::lock_guard<std::mutex> hold(keptLock);
    if (keep > 0 && recycling.load(std::memory_order_relaxed)) {
      try {
        // A run that continues the last kept one joins it: pages released
        // one after another make one region.
        if (!kept.empty() && kept.back().begin + kept.back().length == begin) {
          kept.back().length += keep;
        } else {
          kept.push_back(Span{begin, keep});
        }
        begin += keep;
        length -= keep;
      } catch (const std::bad_alloc&) {
      }
    }
  }
  if (length > 0) ::munmap(begin, length);
}

ReleasableBuffer::ReleasableBuffer(std::size_t bytes) : bytes_(bytes) {
  if (bytes < kMinBytes) {
    data_ = static_cast<char*>(std::malloc(bytes));
    return;
  }
  data_ = static_cast<char*>(allocate(bytes));
  if (data_ != nullptr) released_.assign(mappedBytes(bytes) / kHugePage, 0);
}

ReleasableBuffer::~ReleasableBuffer() {
  if (bytes_ < kMinBytes) {
    std::free(data_);
    return;
  }
  if (data_ == nullptr) return;
  // The pages not released yet, a run at a time.
  for (std::size_t page = 0; page < released_.size();) {
    std::size_t end = page;
    while (end < released_.size() && released_[end] == 0) ++end;
    if (end > page) release(data_ + page * kHugePage, (end - page) * kHugePage);
    page = end + 1;
  }
}

void ReleasableBuffer::releasePages(const char* from, const char* to) {
  if (released_.empty() || to <= from) return;
  auto offset = [this](const char* at) { return static_cast<std::size_t>(at - data_); };
  std::size_t first = alignUpToHugePage(offset(from)) / kHugePage;
  std::size_t end = alignDownToHugePage(offset(to)) / kHugePage;
  for (std::size_t page = first; page < end && page < released_.size(); ++page) {
    if (released_[page] != 0) continue;
    released_[page] = 1;
    release(data_ + page * kHugePage, kHugePage);
  }
}

}  // namespace shapevm::huge_blocks
