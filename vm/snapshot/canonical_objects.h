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
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "snapshot/snapshot_data.h"

namespace shapevm {

// Where the writer puts the heap in `body` (the file after its header line):
// the objects array opens the first line that starts `"objects": ` and
// closes with the file's last ']', followed only by '}' and whitespace.
// Empty if `body` has no such line or no such end. The range is only where
// the array must be if the file is canonical: readCanonicalObjects decides.
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

// Decodes the objects array starting at `begin` (its '['), reading no further
// than `end`, appending to `data`'s objects and pools; in two parts if
// `split` is not nullptr (see above), adding to `functionNameIds`. Returns just
// past the array's ']' if the whole array was canonical and decoded; nullptr
// if not, in which case `data` and `functionNameIds` are as they were. The
// text is taken to be valid UTF-8 (the caller checks).
const char* readCanonicalObjects(const char* begin, const char* end, SnapshotData& data,
                                 FunctionNameIds& functionNameIds, const char* split = nullptr);

// Where a large array is cut to be decoded in pieces by
// streamCanonicalObjects: at the start of the line after each eighth of the
// text (fewer pieces below 32 MiB, so that each has at least 4 MiB); none
// below kMinSplitBytes. Pieces rather than two halves: the two threads take
// them in turn, so that neither waits long for the other whatever the
// objects in each part of the text cost.
std::vector<const char*> choosePieceCuts(const char* begin, const char* end);

// Receives a piece's decoded objects a batch at a time, in id order, on one
// of two threads (0 or 1; a piece is decoded on one): `batch` holds them and
// the values, closures and upvalue ids they index (its names and text are the
// whole piece's so far), and those are emptied after. The scanner never reads
// again the piece's text before `readTo` (its own copies of what it compares
// are kept apart), so that memory may be released. Returning false stops the
// decoding, which then fails.
using ObjectBatchSink = std::function<bool(std::size_t piece, int thread, const SnapshotData& batch,
                                           const char* readTo)>;

// What streamCanonicalObjects found in one piece.
struct StreamedPiece {
  const char* text = nullptr;  // where its text starts
  std::size_t firstId = 0;     // the id of its first object
  std::size_t count = 0;       // its objects
  // For each of the piece's function name ids, the name's id in
  // SnapshotData::functionNames.
  std::vector<uint32_t> functionIds;
};

// Decodes the objects array as readCanonicalObjects does, but keeps no object:
// the array is cut at `cuts` (from choosePieceCuts) and the pieces decoded
// two at a time on two threads, each into pools of its own, handed to `sink`
// a batch at a time, so that the pools stay a few KiB however large the
// heap. Returns just past the array's ']' or nullptr; then `data` holds
// whatever was decoded and is not to be used. On success `pieces` describes
// each piece, the pieces' function names are in data.functionNames, and the
// open files' identities in data.host.files, with their ids counted from the
// array's start.
const char* streamCanonicalObjects(const char* begin, const char* end, SnapshotData& data,
                                   FunctionNameIds& functionNameIds,
                                   const std::vector<const char*>& cuts,
                                   const ObjectBatchSink& sink, std::vector<StreamedPiece>* pieces);

}  // namespace shapevm
