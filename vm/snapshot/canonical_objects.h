// The fast path of the snapshot reader for the heap ("state.objects", nearly
// all of a large snapshot): a scanner for exactly the text the writer
// produces (its member order, its ", " and ": " separators), decoding straight
// into SnapshotData's pools without going through simdjson's token stream.
//
// It is an accelerator, never a validator of its own: it accepts only
// canonical text whose meaning is beyond doubt and gives up on anything else
// (another member order or spacing, an unusual escape or number, a value out
// of range, a rule of the general reader broken). Giving up removes whatever
// it had added, and the reader then walks the same array with its general,
// fully checked code, which names the exact problem. So a file is accepted or
// rejected, with the same message, whether the fast path ran or not.
//
// It spares a large resume most of its reading time: simdjson never indexes
// the heap's text (measured in docs/design.md, "What each snapshot
// optimisation bought").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "snapshot/snapshot_data.h"

namespace shapevm {

// Where the writer puts the heap in `body` (the file after its header line):
// the objects array opens the first line that starts `"objects": ` and
// closes with the file's last ']', followed only by '}' and whitespace.
// Empty if `body` has no such line or no such end. The range is only where
// the array must be if the file is canonical: readCanonicalObjects decides.
struct HeapText {
  const char* begin;  // the array's '['
  const char* end;    // just past its ']'
};
std::optional<HeapText> locateCanonicalObjects(std::string_view body);

// A large array is decoded in two parts at once, on two threads, the second
// from `split` (the start of one of its lines) on, and the parts joined; the
// result is the same as in one part. chooseHeapSplit picks the line after the
// middle of the text from `begin` (the array's '[') to `end`, or nullptr (one
// part) below kMinSplitBytes, where a thread would save too little. It
// shortens a large resume's wall time for a little more CPU time, since the
// second part is copied onto the first (docs/design.md, "What each snapshot
// optimisation bought").
inline constexpr std::ptrdiff_t kMinSplitBytes = std::ptrdiff_t{4} << 20;
const char* chooseHeapSplit(const char* begin, const char* end);

// The index of each name in SnapshotData::functionNames, as the reader keeps
// it while reading.
using FunctionNameIds = std::unordered_map<std::string_view, uint32_t>;

// Decodes the objects array starting at `begin` (its '['), reading no further
// than `end`, appending to `data`'s objects and pools; in two parts if
// `split` is not nullptr (see above), adding to `functionNameIds`. Returns just
// past the array's ']' if the whole array was canonical and decoded; nullptr
// if not, in which case `data` and `functionNameIds` are as they were. The
// text is taken to be valid UTF-8 (the caller checks).
const char* readCanonicalObjects(const char* begin, const char* end, SnapshotData& data,
                                 FunctionNameIds& functionNameIds, const char* split = nullptr);

}  // namespace shapevm
