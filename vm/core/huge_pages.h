// Asking the kernel for transparent huge pages under a large buffer about to
// be filled (the snapshot reader's pools, the heap's pool regions while a
// snapshot's heap is rebuilt). Each 4 KiB page of fresh memory costs a page
// fault when first written; a 2 MiB page costs one for 512 of them. The
// kernel here grants huge pages only where asked (THP "madvise" mode).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace shapevm {

inline constexpr std::uintptr_t kHugePage = std::uintptr_t{1} << 21;

// Advises huge pages for the 2 MiB-aligned part of [data, data + bytes). A
// hint: the memory works the same without it.
inline void adviseHugePages(const void* data, std::size_t bytes) {
  auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHugePage - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace shapevm
