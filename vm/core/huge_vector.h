// A std::vector whose large buffers are huge blocks (huge_blocks.h): 2 MiB
// aligned, on transparent huge pages where the host makes them worth it
// (huge_pages.h). For the buffers of millions of entries a large resume fills
// at once (the snapshot reader's pools, the relocation plan, the table of
// rebuilt objects). On 4 KiB pages each one cost a page fault per 4 KiB,
// about 10 µs each under one hypervisor; malloc's large blocks start 16 bytes
// into their mapping, so advising huge pages for them still left their first
// 2 MiB on small pages.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

#include "core/huge_blocks.h"

namespace shapevm {

template <typename T>
struct HugeBlockAllocator {
  using value_type = T;

  HugeBlockAllocator() = default;
  template <typename U>
  explicit HugeBlockAllocator(const HugeBlockAllocator<U>&) {}

  T* allocate(std::size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    if (n * sizeof(T) < huge_blocks::kMinBytes) return std::allocator<T>().allocate(n);
    void* block = huge_blocks::allocate(n * sizeof(T));
    if (block == nullptr) throw std::bad_alloc();
    return static_cast<T*>(block);
  }
  void deallocate(T* block, std::size_t n) {
    if (n * sizeof(T) < huge_blocks::kMinBytes) {
      std::allocator<T>().deallocate(block, n);
    } else {
      huge_blocks::release(block, n * sizeof(T));
    }
  }
  friend bool operator==(const HugeBlockAllocator&, const HugeBlockAllocator&) { return true; }
};

template <typename T>
using HugeVector = std::vector<T, HugeBlockAllocator<T>>;

}  // namespace shapevm
