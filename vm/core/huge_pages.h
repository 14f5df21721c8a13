// Asking the kernel for transparent huge pages under large buffers about to be
// filled (the heap's huge blocks and pool regions, the snapshot reader's and
// writer's tables), where a huge page costs this host less than the 512 small
// pages it replaces. Both costs depend on the host, not the program: under one
// hypervisor a 4 KiB page fault cost 10 µs and a 2 MiB one far less; under
// another, a 2 MiB fault on memory the host had taken back cost 6 ms, eight
// times the 512 small faults it replaced, while on memory freed a moment
// before it cost a third of them (docs/design.md, "Huge pages"). So the
// process times its faults (huge_pages.cpp) and asks only where huge pages
// are both worth it and fast.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace shapevm {

inline constexpr std::uintptr_t kHugePage = std::uintptr_t{1} << 21;

// An address or a size rounded to a whole number of huge pages.
inline constexpr std::uintptr_t alignUpToHugePage(std::uintptr_t n) {
  return (n + kHugePage - 1) & ~(kHugePage - 1);
}
inline constexpr std::uintptr_t alignDownToHugePage(std::uintptr_t n) {
  return n & ~(kHugePage - 1);
}

// For a mapping of this process, at a page boundary, whose bytes from
// `touchedBytes` on have never been touched: advises for or against huge
// pages for the whole of [data, data + bytes), as HugePagePolicy decides.
// It may time a fault by writing one byte (a zero: untouched memory reads
// zero) at the start of the first huge page past `touchedBytes`. A hint: the
// memory works the same either way.
void adviseHugePagesOnFresh(void* data, std::size_t bytes, std::size_t touchedBytes = 0);

// For any memory (a malloc block about to be filled): advises huge pages for
// its 2 MiB-aligned part only while fresh mappings get them.
void adviseHugePages(void* data, std::size_t bytes);

// Has the kernel map the pages of [data, data + bytes), which are about to be
// written, in one call (MADV_POPULATE_WRITE) instead of a page fault at the
// first write to each: on a host where a 4 KiB page fault costs 1.3 µs, a
// page mapped this way costs 0.9 (docs/design.md, "Huge pages"). Their contents stay as they are. A
// hint: nothing happens where the kernel lacks it (before Linux 5.14).
void populateForWriting(void* data, std::size_t bytes);

// The decision, apart from the clock (huge_pages.cpp times the faults). Its
// counters may be updated from several threads at once; a lost update only
// moves a probe by one mapping.
class HugePagePolicy {
 public:
  // Small faults cheaper than this for a huge page's worth of them (4 µs each
  // on 4 KiB pages) are not worth the risk of a slow huge page.
  static constexpr std::int64_t kCheapSmallPagesNanoseconds = 2'000'000;
  static constexpr int kMaxBackoff = 64;

  // Where a huge page's worth of small faults takes `smallPagesNanoseconds`.
  explicit HugePagePolicy(std::int64_t smallPagesNanoseconds)
      : smallPagesNanoseconds_(smallPagesNanoseconds) {}

  // Whether huge pages are worth asking for at all here; if not, the
  // kernel's default stands.
  bool worthAsking() const { return smallPagesNanoseconds_ > kCheapSmallPagesNanoseconds; }
  // Whether the next fresh mapping asks for huge pages (and then times its
  // first) or takes small ones while backing off.
  bool nextMappingAsks();
  // The first huge fault of a mapping that asked took `nanoseconds`: whether
  // that was fast enough (at most half the small faults it replaced) for the
  // mapping to keep huge pages.
  bool recordHugeFault(std::int64_t nanoseconds);
  // Whether huge pages are being taken now (no slow one since the last fast).
  bool taking() const { return backoff_.load(std::memory_order_relaxed) == 0; }

 private:
  std::int64_t smallPagesNanoseconds_;
  // After a slow huge page, the next `skipped_` fresh mappings take small
  // pages; `backoff_` doubles with each slow one in a row, up to
  // kMaxBackoff, and a fast one resets it.
  std::atomic<int> skipped_{0};
  std::atomic<int> backoff_{0};
};

}  // namespace shapevm
