// The snapshot reader's text arena (snapshot_data.h): every stored view keeps
// its bytes across chunks of every kind (the first small chunk, the 4 MiB
// huge-page chunks after it, a long string's own chunk, small or huge) and
// across absorbing another arena.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "snapshot/snapshot_data.h"

using namespace shapevm;

TEST_CASE("text stored in the arena stays intact across chunks and absorption") {
  TextArena arena;
  std::vector<std::pair<std::string_view, std::string>> stored;
  auto store = [&](TextArena& into, std::string text) {
    stored.emplace_back(into.store(text), text);
  };
  store(arena, std::string(20'000, 'f'));  // a long string first, in a chunk of its own
  // 5 MiB of short strings: past the first chunk and into a second huge one.
  for (int i = 0; stored.size() < 400'000; ++i) store(arena, "text-" + std::to_string(i) + "-x");
  store(arena, std::string(100'000, 'm'));  // a chunk of its own, below a huge block
  store(arena, std::string(5 << 20, 'h'));  // a chunk of its own, a huge block
  CHECK(arena.store("").empty());
  TextArena other;
  for (int i = 0; i < 20'000; ++i) store(other, "other-" + std::to_string(i));
  arena.absorb(std::move(other));
  for (const auto& [view, text] : stored) REQUIRE(view == text);
}
