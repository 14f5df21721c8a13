// The fast path of the snapshot reader for the heap ("state.objects", nearly
// all of a large snapshot): a scanner for exactly the text the writer
// produces (its member order, its ", " and ": " separators), decoding straight
// into SnapshotData's pools without going through simdjson's token stream.
//
// It is an accelerator, never a validator of its own: it accepts only
// canonical text whose meaning is beyond doubt and gives up on anything else
// (another member order or spacing, an unusual escape or number, a value out
// of range, a rule of snapshot_reader.cpp broken). Giving up removes whatever
// it had added, and the reader then walks the same array with its general,
// fully checked code, which names the exact problem. So a file is accepted or
// rejected, with the same message, whether the fast path ran or not.
//
// What it bought: resuming the 1M-object benchmark snapshot took ~850 ms
// instead of ~1000 ms (docs/snapshot-format.md, "Reading speed").
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "snapshot/snapshot_data.h"

namespace shapevm {

// Decodes the objects array starting at `begin` (its '['), reading no further
// than `end`, appending to `data`'s objects and pools. `functionNameIds` maps
// the names in data.functionNames to their index, as the reader keeps it.
// Returns true if the whole array was canonical and decoded; false if not, in
// which case `data` and `functionNameIds` are as they were.
bool readCanonicalObjects(const char* begin, const char* end, SnapshotData& data,
                          std::unordered_map<std::string_view, uint32_t>& functionNameIds);

}  // namespace shapevm
