// Huge blocks (huge_blocks.h): anonymous mappings rounded to whole 2 MiB
// pages, so that each block's pages start and stay on 2 MiB boundaries, where
// the kernel can map them as huge pages and mremap can move them whole.
#include "core/huge_blocks.h"

#include <sys/mman.h>

#include <cstdint>

#include "core/huge_pages.h"

namespace shapevm::huge_blocks {
namespace {

std::size_t mappedBytes(std::size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }

// `length` bytes of fresh memory at a 2 MiB boundary: mapped with one huge
// page of slack, whose unaligned ends are then unmapped.
char* mapAligned(std::size_t length) {
  std::size_t withSlack = length + kHugePage;
  void* mapped =
      ::mmap(nullptr, withSlack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  auto* begin = static_cast<char*>(mapped);
  auto* aligned = reinterpret_cast<char*>(
      (reinterpret_cast<std::uintptr_t>(begin) + kHugePage - 1) & ~(kHugePage - 1));
  if (aligned > begin) ::munmap(begin, static_cast<std::size_t>(aligned - begin));
  char* end = begin + withSlack;
  if (end > aligned + length)
    ::munmap(aligned + length, static_cast<std::size_t>(end - aligned - length));
  return aligned;
}

}  // namespace

void* allocate(std::size_t bytes) {
  std::size_t length = mappedBytes(bytes);
  char* block = mapAligned(length);
  if (block != nullptr) ::madvise(block, length, MADV_HUGEPAGE);
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
  ::madvise(resized, newLength, MADV_HUGEPAGE);
  return resized;
}

void release(void* block, std::size_t bytes) { ::munmap(block, mappedBytes(bytes)); }

}  // namespace shapevm::huge_blocks
