// A heap whose roots are a vector of values, for tests: what a test keeps in
// `roots` survives collections; everything else is garbage.
#pragma once

#include <cstddef>
#include <vector>

#include "core/heap.h"

namespace shapevm {

struct RootedHeap {
  explicit RootedHeap(std::size_t maxMemory = kDefaultMaxMemory) : heap(maxMemory) {
    heap.setRootMarker([this](Heap& h) {
      for (Value v : roots) h.markValue(v);
    });
  }
  RootedHeap(const RootedHeap&) = delete;  // the root marker points at this one
  RootedHeap& operator=(const RootedHeap&) = delete;

  Heap heap;
  std::vector<Value> roots;
};

}  // namespace shapevm
