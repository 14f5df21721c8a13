// The heap's largest blocks (array items, map storage and strings of 4 MiB
// and more, and the pools' 32 MiB regions), mapped by the heap itself at
// 2 MiB boundaries, where transparent huge pages can back them wherever the
// host makes them worth it (huge_pages.h). Walking a big array on
// 4 KiB pages costs a TLB miss every 4 KiB, and under a hypervisor's nested
// paging each miss walks two sets of page tables: summing a 10M-value array
// ran ten times slower on 4 KiB pages than on 2 MiB ones (docs/design.md,
// "Memory"). malloc cannot give such blocks: its large blocks start 16 bytes
// into their mapping, and realloc's mremap moves them to addresses where
// huge pages must be split.
#pragma once

#include <cstddef>
#include <vector>

namespace shapevm::huge_blocks {

inline constexpr std::size_t kMinBytes = std::size_t{4} << 20;

// A block of `bytes` (at least kMinBytes) at a 2 MiB boundary, or nullptr
// when the system has no memory for it.
void* allocate(std::size_t bytes);
// The block grown or shrunk from oldBytes to newBytes (both at least
// kMinBytes) with its contents, whose pages are moved rather than copied; or
// nullptr, the block untouched, when the system has no memory for it.
void* reallocate(void* block, std::size_t oldBytes, std::size_t newBytes);
void release(void* block, std::size_t bytes);

// While one lives, the resident part of each released block is kept mapped
// instead of unmapped, and allocate and takeKept hand it out again; what is
// left is unmapped when it ends. A large resume frees the file's buffer and
// its decoded parts just before it builds a heap of about their size: memory
// the process already holds costs neither a page fault nor the kernel's
// zeroing, where fresh memory costs both (docs/design.md, "Memory a resume
// reuses"). One at a time; the functions above and takeKept may be called
// from any thread meanwhile.
class Recycling {
 public:
  Recycling();
  ~Recycling();
  Recycling(const Recycling&) = delete;
  Recycling& operator=(const Recycling&) = delete;
};

// Kept memory for a pool that can use any amount: the largest run kept, or
// its first `maxBytes`, with its length (a multiple of 2 MiB) in *bytes;
// nullptr when nothing is kept. Given back with release.
void* takeKept(std::size_t maxBytes, std::size_t* bytes);

// A buffer of `bytes` that is read front to back once, such as a snapshot's
// text decoded straight into the heap: its whole 2 MiB pages can be released
// a range at a time as the reading passes them, and while a Recycling lives
// the heap being built takes them at once, instead of fresh memory (the
// kernel zeroing a page and a fault for each 4 KiB). Below kMinBytes it is
// ordinary memory and nothing is released early. What is left goes with it.
class ReleasableBuffer {
 public:
  // data() is nullptr when the system has no memory for it.
  explicit ReleasableBuffer(std::size_t bytes);
  ~ReleasableBuffer();
  ReleasableBuffer(const ReleasableBuffer&) = delete;
  ReleasableBuffer& operator=(const ReleasableBuffer&) = delete;
  char* data() const { return data_; }
  // Releases the whole 2 MiB pages within [from, to), none of which is read
  // or written again. Several threads may release at once ranges that share
  // no page.
  void releasePages(const char* from, const char* to);

 private:
  char* data_ = nullptr;
  std::size_t bytes_;
  std::vector<unsigned char> released_;  // per 2 MiB page of a huge block
};

}  // namespace shapevm::huge_blocks
