// Heap::abandonAtExit: open files are flushed and closed, and the heap is
// empty afterwards (its objects freed in leak-checked builds, left to the
// operating system otherwise).
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/heap.h"

using namespace shapevm;

TEST_CASE("abandoning the heap at exit closes its open files and empties it") {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / "shapevm_abandon_at_exit_test.txt";
  Heap heap;
  heap.setRootMarker([](Heap&) {});
  std::FILE* handle = std::fopen(path.c_str(), "w");
  REQUIRE(handle != nullptr);
  File* file = heap.newFile(handle, path.string(), path.string(), FileMode::Write);
  std::fputs("buffered, not yet flushed", handle);
  for (int i = 0; i < 1000; ++i) heap.newString("garbage or not, it is not freed one by one");
  heap.abandonAtExit();
  CHECK(heap.stats().objects == 0);
  CHECK(heap.bytesAllocated() == 0);
  if (!kFreeHeapAtExit) CHECK(file->handle == nullptr);  // else the object is freed
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "buffered, not yet flushed");
  std::filesystem::remove(path);
}
