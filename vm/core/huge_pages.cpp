// Whether this host's huge pages are worth asking for (huge_pages.h).
//
// A huge page saves at most the 512 small faults it replaces, and it can cost
// far more than them. Under one hypervisor (an Intel Xeon host) small faults
// cost 1.5 µs, 0.7 ms a huge page's worth, while a huge page cost 0.3 ms on
// memory freed a moment before and 6 ms on memory the host had taken back,
// and a process's first huge pages did not say which the rest would be:
// asking there made large programs up to 2.4 times slower (docs/design.md,
// "Huge pages"). Under another (an AMD EPYC host) small faults cost 10 µs,
// 5 ms a huge page's worth, and huge pages made large programs up to 3.7
// times as fast. So the first fresh mapping that can hold a huge page times
// 16 small faults in a scratch mapping, and HugePagePolicy decides from there.
#include "core/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>

namespace shapevm {

bool HugePagePolicy::nextMappingAsks() {
  if (skipped_.load(std::memory_order_relaxed) <= 0) return true;
  skipped_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

bool HugePagePolicy::recordHugeFault(std::int64_t nanoseconds) {
  if (2 * nanoseconds <= smallPagesNanoseconds_) {
    backoff_.store(0, std::memory_order_relaxed);
    skipped_.store(0, std::memory_order_relaxed);
    return true;
  }
  int next = std::min(std::max(2 * backoff_.load(std::memory_order_relaxed), 1), kMaxBackoff);
  backoff_.store(next, std::memory_order_relaxed);
  skipped_.store(next, std::memory_order_relaxed);
  return false;
}

void populateForWriting(void* data, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  static const auto kPage = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto begin = reinterpret_cast<std::uintptr_t>(data) & ~(kPage - 1);
  auto end = reinterpret_cast<std::uintptr_t>(data) + bytes;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#else
  (void)data;
  (void)bytes;
#endif
}

namespace {

void advise(std::uintptr_t begin, std::uintptr_t end, int advice) {
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, advice);
}

// Nanoseconds taken to write a byte to the page at `address`. An atomic add
// of zero faults the page in for writing at once (a plain read would first
// map the shared zero page) and leaves its contents as they were.
std::int64_t touchNanoseconds(std::uintptr_t address) {
  auto start = std::chrono::steady_clock::now();
  std::atomic_ref<char>(*reinterpret_cast<char*>(address)).fetch_add(0, std::memory_order_relaxed);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start)
      .count();
}

// What faulting in a huge page's worth of small pages costs: the median of 16
// faults in a scratch mapping (the median, because the first also allocates
// a page table) times their number; 0 if there is no memory to time.
std::int64_t timeSmallPages() {
  auto smallPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::array<std::int64_t, 16> times{};
  std::size_t bytes = times.size() * smallPage;
  void* scratch =
      ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (scratch == MAP_FAILED) return 0;
  auto first = reinterpret_cast<std::uintptr_t>(scratch);
  advise(first, first + bytes, MADV_NOHUGEPAGE);  // small even in THP "always" mode
  for (std::size_t i = 0; i < times.size(); ++i) times[i] = touchNanoseconds(first + i * smallPage);
  ::munmap(scratch, bytes);
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2] * static_cast<std::int64_t>(kHugePage / smallPage);
}

// The process's policy, made on first use from its small faults' cost.
HugePagePolicy& processPolicy() {
  static HugePagePolicy policy(timeSmallPages());
  return policy;
}

}  // namespace

void adviseHugePagesOnFresh(void* data, std::size_t bytes, std::size_t touchedBytes) {
  auto begin = reinterpret_cast<std::uintptr_t>(data);
  std::uintptr_t end = begin + bytes;
  if (alignDownToHugePage(end) <= alignUpToHugePage(begin)) return;  // no huge page fits
  HugePagePolicy& policy = processPolicy();
  if (!policy.worthAsking()) return;
  // The whole mapping gets one advice: mremap moves only a range with one.
  if (!policy.nextMappingAsks()) {
    advise(begin, end, MADV_NOHUGEPAGE);
    return;
  }
  advise(begin, end, MADV_HUGEPAGE);
  std::uintptr_t firstFresh = alignUpToHugePage(begin + touchedBytes);
  if (firstFresh + kHugePage <= end && !policy.recordHugeFault(touchNanoseconds(firstFresh))) {
    advise(begin, end, MADV_NOHUGEPAGE);
  }
}

void adviseHugePages(void* data, std::size_t bytes) {
  HugePagePolicy& policy = processPolicy();
  if (!policy.worthAsking() || !policy.taking()) return;
  auto address = reinterpret_cast<std::uintptr_t>(data);
  advise(alignUpToHugePage(address), alignDownToHugePage(address + bytes), MADV_HUGEPAGE);
}

}  // namespace shapevm
