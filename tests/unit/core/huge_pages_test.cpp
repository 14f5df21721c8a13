// Huge-page advice (core/huge_pages.h). The policy, driven with made-up
// fault times: where small faults are cheap it never asks; where they are
// dear it asks while huge faults are fast and backs off, 1, 2, 4 ... mappings
// up to 64, after slow ones. The advice itself, with this host's real faults:
// fresh memory still reads zero, and each huge block is covered whole by one
// mapping with at most one advice, so that it can still grow and move with
// mremap, which refuses a range of mappings.
#include "core/huge_pages.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/huge_blocks.h"

using namespace shapevm;

namespace {

// The mapping of /proc/self/smaps holding `address`: its bounds and whether
// it is advised for (hg) or against (nh) huge pages.
struct Mapping {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
  bool hugeAdvised = false;
  bool smallAdvised = false;
};

Mapping mappingHolding(const void* address) {
  auto wanted = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  Mapping mapping;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t begin = 0;
    std::uintptr_t end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= wanted && wanted < end;
      if (inside) mapping = Mapping{begin, end, false, false};
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      mapping.hugeAdvised = line.find(" hg") != std::string::npos;
      mapping.smallAdvised = line.find(" nh") != std::string::npos;
      return mapping;
    }
  }
  return Mapping{};
}

bool readsZero(const void* block, std::size_t bytes) {
  const auto* words = static_cast<const std::uint64_t*>(block);
  for (std::size_t i = 0; i < bytes / 8; ++i) {
    if (words[i] != 0) return false;
  }
  return true;
}

// The block lies in one mapping, which carries at most one of the two
// advices (none where the kernel's default stands).
void requireOneAdvice(const void* block, std::size_t bytes) {
  Mapping mapping = mappingHolding(block);
  auto begin = reinterpret_cast<std::uintptr_t>(block);
  REQUIRE(mapping.begin <= begin);
  REQUIRE(begin + bytes <= mapping.end);
  CHECK_FALSE((mapping.hugeAdvised && mapping.smallAdvised));
}

constexpr std::int64_t kMillisecond = 1'000'000;

// How many of the next `mappings` fresh mappings the policy lets ask.
int asking(HugePagePolicy& policy, int mappings) {
  int asked = 0;
  for (int i = 0; i < mappings; ++i) asked += policy.nextMappingAsks() ? 1 : 0;
  return asked;
}

}  // namespace

TEST_CASE("where small faults are cheap, huge pages are not asked for") {
  HugePagePolicy policy(700'000);  // 512 faults of 1.4 µs
  CHECK_FALSE(policy.worthAsking());
  CHECK(HugePagePolicy(5 * kMillisecond).worthAsking());  // 512 faults of 10 µs
}

TEST_CASE("where small faults are dear, huge pages are asked for while they are fast") {
  HugePagePolicy policy(5 * kMillisecond);
  CHECK(policy.nextMappingAsks());
  CHECK(policy.recordHugeFault(kMillisecond / 2));  // a tenth of the small faults
  CHECK(policy.taking());
  CHECK(asking(policy, 10) == 10);
  CHECK(policy.recordHugeFault(5 * kMillisecond / 2));  // half is still fast enough

  SECTION("each slow huge page in a row doubles the mappings kept on small pages") {
    CHECK_FALSE(policy.recordHugeFault(6 * kMillisecond));
    CHECK_FALSE(policy.taking());
    CHECK(asking(policy, 1) == 0);
    CHECK(policy.nextMappingAsks());
    CHECK_FALSE(policy.recordHugeFault(6 * kMillisecond));
    CHECK(asking(policy, 2) == 0);
    CHECK(policy.nextMappingAsks());
    CHECK_FALSE(policy.recordHugeFault(6 * kMillisecond));
    CHECK(asking(policy, 4) == 0);
    CHECK(policy.nextMappingAsks());
  }
  SECTION("the backoff stops at 64 mappings") {
    for (int slow = 0; slow < 10; ++slow) {
      CHECK_FALSE(policy.recordHugeFault(6 * kMillisecond));
      asking(policy, HugePagePolicy::kMaxBackoff);
    }
    CHECK_FALSE(policy.recordHugeFault(6 * kMillisecond));
    CHECK(asking(policy, HugePagePolicy::kMaxBackoff) == 0);
    CHECK(policy.nextMappingAsks());
  }
  SECTION("a fast huge page ends the backoff") {
    CHECK_FALSE(policy.recordHugeFault(6 * kMillisecond));
    CHECK_FALSE(policy.recordHugeFault(6 * kMillisecond));
    CHECK(policy.recordHugeFault(kMillisecond / 2));
    CHECK(policy.taking());
    CHECK_FALSE(policy.recordHugeFault(6 * kMillisecond));
    CHECK(asking(policy, 2) == 1);  // back to one mapping on small pages, not four
  }
}

TEST_CASE("fresh huge blocks read zero after the advice and carry one advice each") {
  constexpr std::size_t kBytes = 8 << 20;
  std::vector<void*> blocks;
  for (int i = 0; i < 12; ++i) {  // enough for the probes to meet slow and fast pages alike
    void* block = huge_blocks::allocate(kBytes);
    REQUIRE(block != nullptr);
    CHECK(readsZero(block, kBytes));
    requireOneAdvice(block, kBytes);
    blocks.push_back(block);
  }
  for (void* block : blocks) huge_blocks::release(block, kBytes);
}

TEST_CASE("a huge block grown after its advice keeps one advice and grows again") {
  std::size_t bytes = huge_blocks::kMinBytes;
  void* block = huge_blocks::allocate(bytes);
  REQUIRE(block != nullptr);
  static_cast<char*>(block)[bytes - 1] = 7;
  for (int growth = 0; growth < 4; ++growth) {
    std::size_t grown = bytes * 3;
    block = huge_blocks::reallocate(block, bytes, grown);
    REQUIRE(block != nullptr);  // a block split into mappings of two advices could not move
    CHECK(static_cast<char*>(block)[bytes - 1] == 7);
    CHECK(readsZero(static_cast<char*>(block) + bytes, grown - bytes));
    requireOneAdvice(block, grown);
    static_cast<char*>(block)[grown - 1] = 7;
    bytes = grown;
  }
  huge_blocks::release(block, bytes);
}
