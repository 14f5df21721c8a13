// How maps compare and hash their keys (map.cpp), for the maps' own
// operations (Heap::mapGet and the others, heap.h) and for code that
// compares or hashes keys itself: ints and floats by numeric value (1 and
// 1.0 are one key), strings by content, other objects by identity.
#pragma once

#include <cstdint>

#include "core/value.h"

namespace shapevm {

bool keysEqual(Value a, Value b);
uint64_t hashKey(Value key);
// None, bools, numbers and strings: the values a map accepts as keys.
bool isHashableKey(Value key);

}  // namespace shapevm
